"""The sync daemon peppers the staff PIN hashes it pulls with the station's key file, creates the
key on first start, and when the key file is replaced pulls everything again so that the server's
hashes are peppered with the new key (staff can log in again)."""

from __future__ import annotations

import shutil
import stat

from plateau.db import kiosk as kq
from plateau.db import pin_key
from plateau.db.engine import open_replica
from tests.e2e.test_sync_e2e import seeded_template  # noqa: F401  (fixture)
from tests.integration.sync.harness import Station, add_station
from tests.support.server import running_server


def test_the_daemon_peppers_pulled_pins_and_heals_a_replaced_key(tmp_path, seeded_template):
    db = tmp_path / "server.db"
    shutil.copy(seeded_template, db)
    with running_server(str(db)) as srv:
        st = Station(tmp_path / "self-1", "self-1", srv.url, add_station(str(db), "self-1"))
        st.sync_once()
        key_file = st.folder / "pin.key"
        assert not stat.S_IMODE(key_file.stat().st_mode) & stat.S_IROTH
        hashes = [h for (h,) in st.query("SELECT pin_hash FROM staff")]
        assert hashes and all(h.startswith("scrypt-hmac$") for h in hashes)
        engine = open_replica(st.db)
        with engine.connect() as conn:
            assert kq.staff_for_pin(conn, "1234", pin_key.load_or_create(key_file)).name == "Mme Agent"
        key_file.unlink()                      # lost or replaced: the old peppered hashes are useless
        st.sync_once()
        new_key = pin_key.load_or_create(key_file)
        with engine.connect() as conn:
            assert kq.staff_for_pin(conn, "1234", new_key).name == "Mme Agent"
        engine.dispose()
