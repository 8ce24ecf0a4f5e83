"""schemathesis over the REST API's own OpenAPI description (issue 12, item 10): as an
administrator and as a teacher, valid and invalid requests generated for every
operation of /api/v1/_openapi, in process (WSGI) on a copy of the demo school (the
generated POST, PUT and DELETE requests change it). Not one may answer with a server
error. Bounded: a fixed number of examples per operation and mode, derandomized, so
that the run takes about a minute and finds the same cases on any day."""
from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode

# Examples per operation and generation mode: 52 operations × 2 modes × this.
EXAMPLES = {"admin": 3, "teacher": 2}


def _token(app, username: str) -> dict:
    response = app.test_client().post("/api/v1/security/login",
                                      json={"username": username, "password": "demo", "provider": "db"})
    assert response.status_code == 200, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def run_schemathesis(app, headers: dict, examples: int) -> tuple[int, list]:
    """(cases sent, the server errors found) over every operation of the OpenAPI description."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 48, "the REST API lost its operations"
    sent, errors = [0], []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case):
                sent[0] += 1
                try:
                    response = case.call(headers=headers)
                except Exception as error:  # the test client re-raises what the app did not handle
                    errors.append(f"{operation.label} [{mode.value}]: {error!r} {case.path_parameters} {case.body!r:.200}")
                    return
                if response.status_code >= 500:
                    errors.append(f"{operation.label} [{mode.value}]: {response.status_code} "
                                  f"{case.path_parameters} {case.query} {case.body!r:.200}")

            call()
    return sent[0], errors


@pytest.mark.parametrize("username", sorted(EXAMPLES))
def test_schemathesis_finds_no_server_error_in_the_rest_api(copy_app, username):
    started = time.monotonic()
    sent, errors = run_schemathesis(copy_app, _token(copy_app, username), EXAMPLES[username])
    print(f"schemathesis as {username}: {sent} cases in {time.monotonic() - started:.0f} s, {len(errors)} server errors")
    assert sent >= 48 * 2, "schemathesis sent almost nothing"
    assert errors == []
