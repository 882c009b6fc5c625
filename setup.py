"""The one part of the package build pyproject.toml cannot declare: cffi compiles the C
hashing core (firmware/hashing/build.py) into the package, so a wheel or a plain
`pip install .` carries `firmware/hashing/_core*.so`."""

from setuptools import setup

setup(cffi_modules=["firmware/hashing/build.py:package_ffi"])
