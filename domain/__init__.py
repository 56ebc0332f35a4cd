"""linkledger's pure domain: rules, money, aggregates. No I/O, no wall clock."""
