"""z4ai.store.ingest on Dask distributed: a LocalCluster with 2 worker processes; a worker
killed in the middle of a push leaves the store consistent (orphans at most, gc removes them)."""
import os
import signal
import sys

import pytest

distributed = pytest.importorskip("distributed")
import cloudpickle  # noqa: E402  (a dependency of distributed)

import store_helpers  # noqa: E402
from store_helpers import base_tensors, finetune, same_tree, write_model  # noqa: E402
from z4ai.store import LocalBackend, Store, StoreError, ingest  # noqa: E402
from z4ai.store import layout as L  # noqa: E402

# the workers cannot import the test modules: ship them by value
cloudpickle.register_pickle_by_value(store_helpers)
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class KillingBackend(LocalBackend):
    """Kills its own worker process right after its first object write while ``flag``
    exists (a worker dying mid-task: objects written, no fragment returned)."""

    def __init__(self, root, flag=None):
        super().__init__(root)
        self.flag = flag

    def put(self, key, data):
        if self.flag and os.path.exists(self.flag):
            os.unlink(self.flag)  # once: the retry on another worker goes through
            super().put(key, data)
            os.kill(os.getpid(), signal.SIGKILL)
        super().put(key, data)


def killing_factory(flag):
    def make(url, **_):
        return KillingBackend(url, flag)
    return make



@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=40) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture
def family(tmp_path, rng):
    base = base_tensors(rng)
    dirs = {"base": write_model(str(tmp_path / "base"), base)}
    for i in range(3):
        dirs[f"ft{i}"] = write_model(str(tmp_path / f"ft{i}"), finetune(rng, base),
                                     extra={"notes.txt": f"fine-tune {i}".encode()})
    return dirs


def test_ingest_waves_on_two_workers(tmp_path, client, family):
    st = str(tmp_path / "store")
    items = [(f"fam@{k}", v) for k, v in family.items()]
    res = ingest(st, items, client, waves=[["fam@base"], ["fam@ft0", "fam@ft1", "fam@ft2"]])
    assert [r.ref for r in res] == ["fam@base", "fam@ft0", "fam@ft1", "fam@ft2"]
    assert all(r.delta_tensors > 0 for r in res[1:])
    s = Store(st)
    for k, v in family.items():
        out = str(tmp_path / f"o-{k}")
        s.pull(f"fam@{k}", out)
        assert same_tree(v, out)
    assert s.verify()["errors"] == []
    # idempotent: the same ingest again writes the same keys and the same manifests
    before = {o.key: o.size for o in s.backend.list("") if L.is_data_key(o.key)}
    res2 = ingest(st, items, client, waves=[["fam@base"], ["fam@ft0", "fam@ft1", "fam@ft2"]])
    assert [r.manifest for r in res2] == [r.manifest for r in res]
    after = {o.key: o.size for o in s.backend.list("") if L.is_data_key(o.key)}
    assert after == before


def test_ingest_in_process_matches_dask(tmp_path, client, family):
    items = [(f"fam@{k}", v) for k, v in family.items()]
    waves = [["fam@base"], ["fam@ft0", "fam@ft1", "fam@ft2"]]
    a = ingest(str(tmp_path / "a"), items, client, waves=waves)
    b = ingest(str(tmp_path / "b"), items, None, waves=waves)
    assert [r.manifest for r in a] == [r.manifest for r in b]


def test_killed_worker_retried_gives_a_sound_store(tmp_path, client, family):
    st = str(tmp_path / "store")
    flag = str(tmp_path / "kill-once")
    open(flag, "w").close()
    items = [(f"fam@{k}", v) for k, v in family.items()]
    ingest(st, items, client, waves=[["fam@base"], ["fam@ft0", "fam@ft1", "fam@ft2"]],
           backend_factory=killing_factory(flag))
    assert not os.path.exists(flag)  # a worker did die
    s = Store(st)
    assert s.verify()["errors"] == []
    for k, v in family.items():
        s.pull(f"fam@{k}", str(tmp_path / f"o-{k}"))
        assert same_tree(v, str(tmp_path / f"o-{k}"))
    s.gc(grace=0)
    assert s.verify()["errors"] == []


def test_killed_worker_without_retry_commits_nothing(tmp_path, family):
    st = str(tmp_path / "store")
    s = Store(st)
    s.push("fam@base", family["base"])
    flag = str(tmp_path / "kill-once")
    open(flag, "w").close()
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                     silence_logs=50) as cluster, distributed.Client(cluster) as c:
        with pytest.raises(Exception) as ei:
            ingest(st, [("fam@ft0", family["ft0"])], c, backend_factory=killing_factory(flag))
    assert "KilledWorker" in type(ei.value).__name__ or "killed" in str(ei.value).lower()
    assert not os.path.exists(flag)
    assert [r["ref"] for r in s.ls()] == ["fam@base"]  # no ref for the failed push
    orphans = {o.key for o in s.backend.list("") if L.is_data_key(o.key)}
    assert s.verify()["errors"] == []
    g = s.gc(grace=0)
    assert g["deleted"] >= 1  # the dead task's objects
    left = {o.key for o in s.backend.list("") if L.is_data_key(o.key)}
    assert left < orphans
    assert s.verify()["errors"] == []
    assert not list(s.backend.list("leases/"))
    s.pull("fam@base", str(tmp_path / "o"))
    assert same_tree(family["base"], str(tmp_path / "o"))
    with pytest.raises(StoreError):
        s.pull("fam@ft0", str(tmp_path / "o2"))


def test_ingest_to_s3(tmp_path, client, family, s3_server, s3_bucket):
    import s3server

    opts = dict(endpoint_url=s3_server.endpoint, access_key_id=s3server.ACCESS_KEY,
                secret_access_key=s3server.SECRET_KEY)
    items = [(f"fam@{k}", v) for k, v in family.items()]
    ingest(f"s3://{s3_bucket}/x", items, client, waves=[["fam@base"], ["fam@ft0", "fam@ft1", "fam@ft2"]], **opts)
    s = Store(f"s3://{s3_bucket}/x", **opts)
    for k, v in family.items():
        s.pull(f"fam@{k}", str(tmp_path / f"o-{k}"))
        assert same_tree(v, str(tmp_path / f"o-{k}"))
