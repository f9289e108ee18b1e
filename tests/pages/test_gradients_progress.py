"""The Gradients page's slow first view (issue 10, item 7): the measurements run once per model under a
progress bar naming each model, and the page then says how many models took how long; a second view measures
nothing and says nothing about it."""

import re

from rnnlab.ui.state import StateKeys
from tests.pages.conftest import open_page


def test_the_first_view_says_what_it_measured_and_how_long_it_took(trained_session):
    state = {key: value for key, value in trained_session.items()
             if key not in (StateKeys.MEASURED_GRADIENTS, StateKeys.MEASURED_JACOBIANS)}
    at = open_page("gradients", state)
    captions = [c.value for c in at.caption]
    gradients = [c for c in captions if c.startswith("Measuring gradients:")]
    chains = [c for c in captions if c.startswith("Measuring Jacobian chains:")]
    assert len(gradients) == 1 and re.match(r"Measuring gradients: 2 models in \d+\.\d s, once per model", gradients[0])
    assert len(chains) == 1 and "2 models in" in chains[0]
    assert len(at.session_state[StateKeys.MEASURED_GRADIENTS]) == 2
    at.run()  # the same session again: everything is measured already
    assert not [c.value for c in at.caption if c.value.startswith("Measuring")]
