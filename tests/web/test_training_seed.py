"""The seed file declares example editions: loaded with their sessions, badged, and a second load adds nothing."""
from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from assessment.domain.catalogue_seed import SeedError, parse_seed
from assessment.extensions import db
from assessment.models import TrainingEdition
from assessment.services.seed import load_seed

SEED = Path(__file__).resolve().parents[2] / "assessment" / "data" / "seed" / "canavese.yaml"


def test_seed_loads_example_editions_once(db_session):
    first = load_seed(SEED)
    editions = db.session.execute(db.select(TrainingEdition).where(TrainingEdition.seed_key.isnot(None))).scalars()
    editions = {e.seed_key: e for e in editions}
    assert first.counts["editions"].added == len(editions) >= 3
    assert all(e.is_example for e in editions.values())
    rivarolo = editions["CAN-WEL-01-2027-A"]
    assert rivarolo.track.code == "CAN-WEL-01" and len(rivarolo.sessions) == 6
    assert (rivarolo.sessions[0].start_time, rivarolo.sessions[0].end_time) == (time(14), time(18))
    assert editions["CAN-DIG-01-2027-A"].online_url and editions["CAN-DIG-01-2027-A"].place is None
    again = load_seed(SEED)
    assert again.counts["editions"].added == 0 and again.counts["editions"].updated == 0
    assert len(rivarolo.sessions) == 6


@pytest.mark.parametrize(("edition", "place"), [
    ({"key": "X", "track": "T", "title": "t", "capacity": 5, "place": "p",
      "sessions": [{"date": "2027-01-01", "start": "10:00", "end": "09:00"}]}, "editions[0].sessions[0].end"),
    ({"key": "X", "track": "T", "title": "t", "capacity": 5, "place": "p",
      "sessions": [{"date": "2027-01-01", "start": 540, "end": "11:00"}]}, "editions[0].sessions[0].start"),
    ({"key": "X", "track": "T", "title": "t", "capacity": 5, "sessions": []}, "editions[0].sessions"),
    ({"key": "X", "track": "T", "title": "t", "capacity": 5,
      "sessions": [{"date": "2027-01-01", "start": "09:00", "end": "11:00"}]}, "editions[0]"),
])
def test_wrong_editions_in_the_seed_name_the_place(edition, place):
    import yaml

    with pytest.raises(SeedError) as error:
        parse_seed(yaml.safe_dump({"editions": [edition]}))
    assert place in [where for where, _reason in error.value.errors]


def test_loading_the_seed_again_keeps_what_a_programme_manager_changed(client, login_as, db_session):
    """`make run` loads the seed every time: an edition an admin changed or cancelled stays as they left it."""
    from tests.web.test_training_admin import _edit_data

    load_seed(SEED)
    editions = {e.seed_key: e for e in db.session.execute(
        db.select(TrainingEdition).where(TrainingEdition.seed_key.isnot(None))).scalars()}
    changed, cancelled = editions["CAN-WEL-01-2027-A"], editions["CAN-DIG-01-2027-A"]
    login_as("admin")
    db_session.commit()
    data = _edit_data(changed, capacity="25", **{"sessions-1-is_cancelled": "y"}, trainer_name="Laura Bianchi")
    assert client.post(f"/admin/formazione/{changed.id}", data=data).status_code == 302
    assert client.post(f"/admin/formazione/{cancelled.id}/annulla").status_code == 302
    again = load_seed(SEED)
    assert again.counts["editions"].updated == 0
    db.session.expire_all()
    changed = db.session.get(TrainingEdition, changed.id)
    assert changed.capacity == 25 and changed.sessions[1].is_cancelled
    assert db.session.get(TrainingEdition, cancelled.id).is_cancelled
