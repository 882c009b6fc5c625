"""The hardware as data (board profiles) and as simulators of every part the firmware touches."""
