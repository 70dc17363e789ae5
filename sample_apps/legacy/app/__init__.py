"""Legacy sample app: dependencies pinned in requirements.txt with hashes."""
