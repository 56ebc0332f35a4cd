"""The projections' names, without importing them: for help texts and quick refusals."""

PROJECTION_NAMES = ("invoices", "balances", "timelines", "notices")
