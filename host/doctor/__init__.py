"""`hearth doctor`: what a controller wired to a hashboard can reach, in plain words.
Each check is its own module; `checkup.run_checks` runs them in order."""
