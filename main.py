"""Android entry point: buildozer starts main.py at the top of the packaged source."""

from app.__main__ import main

main()
