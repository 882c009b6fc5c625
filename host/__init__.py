"""The `hearth` command-line tools that run on a PC: flashing, images, the virtual heater."""
