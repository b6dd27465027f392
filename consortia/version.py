"""The package version, in one place (plan.yaml, rota.yaml, batch keys and `--version` read it)."""

__all__ = ["__version__"]

__version__ = "0.1.0"
