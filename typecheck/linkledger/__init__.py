"""The installed name, linkledger, for the type checker (see [tool.mypy] in pyproject.toml).

At run time linkledger is a namespace package; mypy only resolves a module next to a
folder of the same name (domain/policies.py beside domain/policies/) below a regular package.
"""
