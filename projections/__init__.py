"""Read models folded from the event log. Pure: no Redis, no store, no clock."""
