"""src-layout sample app: the package lives under src/ and is installed into the venv."""
