from linkledger.domain.due_rules import _RUNS, Action


def test_every_due_rule_action_has_a_step_that_runs_it():
    assert set(_RUNS) == set(Action)
