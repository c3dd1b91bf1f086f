"""Sync through a real Celery worker: nothing is lost while it (or its queue) is down.

Starts ``celery -A config worker -B`` as a subprocess on Redis and the test database, makes
changes in member libraries, stops the worker, makes more changes and throws the queued task
messages away, restarts it and checks that everything arrives (the periodic drain finds the
outbox rows). Also measures the latency from a committed local change to the updated union
record.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config.env import database_url
from tests.union.conftest import assert_union_clean, create_instance, update_instance
from union.models import UnionHolding

# CI exports TEST_REDIS_URL: there Redis must be up, so an unreachable one fails the test. Without
# it the usual local Redis is tried and the test is skipped if there is none.
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/2"
REDIS_REQUIRED = bool(os.environ.get("TEST_REDIS_URL"))
ROOT = Path(__file__).resolve().parents[2]


def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        if REDIS_REQUIRED:
            pytest.fail(f"TEST_REDIS_URL={REDIS_URL} is set but Redis does not answer: {exc}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL} (set TEST_REDIS_URL to require it)")
    return client


class Worker:
    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.proc = None
        self.runs = 0

    def start(self):
        # The test database, wherever it is: a TCP server or the embedded one's socket directory.
        env = dict(os.environ, DATABASE_URL=database_url(connection.settings_dict), CELERY_BROKER_URL=REDIS_URL, UNIONCAT_TESTING="1",
                   DJANGO_SETTINGS_MODULE="config.settings", PYTHONPATH=str(ROOT))
        self.runs += 1
        log = open(self.tmp_path / f"worker{self.runs}.log", "w")  # noqa: SIM115
        celery = Path(sys.executable).with_name("celery")
        self.proc = subprocess.Popen(
            [str(celery), "-A", "config", "worker", "-B", "--pool=solo", "--loglevel=INFO",
             "-s", str(self.tmp_path / "beat-schedule"), "-n", f"union-test-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def log(self) -> str:
        return "".join(p.read_text() for p in sorted(self.tmp_path.glob("worker*.log")))


def wait_for(predicate, timeout=60.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


@pytest.fixture
def broker():
    """Queue tasks on Redis from this process too (tests otherwise run Celery eagerly)."""
    from config.celery import app

    client = redis_client()
    client.delete("celery")
    saved = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = REDIS_URL
    reset_pool(app)
    yield client
    app.conf.task_always_eager, app.conf.broker_url = saved
    reset_pool(app)
    client.delete("celery")


def reset_pool(app):
    """Connections are pooled per broker URL: drop the pool so the next publish uses the new one."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)
def test_changes_made_while_the_worker_is_down_arrive_after_restart(tmp_path, broker, make_library, district_a):
    alpha = make_library("walpha", region=district_a, kind="middle")
    beta = make_library("wbeta", region=district_a, kind="college")
    worker = Worker(tmp_path)
    worker.start()
    try:
        first = create_instance(alpha, title="红楼梦", authors=["曹雪芹"], isbns=["9787503717444"], year=2008,
                                publisher="人民文学出版社")
        assert wait_for(lambda: UnionHolding.objects.filter(library=alpha, instance_id=first.pk).exists()), worker.log()

        # Latency from commit to the union record, one change at a time under a running worker.
        latencies = []
        for n in range(20):
            instance = create_instance(beta, title=f"测试图书 {n}", authors=["王明"], year=2000 + n,
                                       publisher="教育出版社")
            committed = time.monotonic()
            assert wait_for(lambda i=instance: UnionHolding.objects.filter(library=beta, instance_id=i.pk).exists(),
                            timeout=20, interval=0.01), worker.log()
            latencies.append(time.monotonic() - committed)
        p95 = statistics.quantiles(latencies, n=20)[18]
        print(f"sync latency through the worker: p50={statistics.median(latencies):.3f}s p95={p95:.3f}s")
        assert p95 < 2.0

        worker.stop()
        second = create_instance(beta, title="紅樓夢", authors=["曹雪芹"], isbns=["7-5037-1744-0"], year=2008,
                                 publisher="人民文學出版社")
        update_instance(alpha, first, summary="停机时改的提要")
        # The tasks queued for these changes are lost too: only the outbox remembers them.
        broker.delete("celery")
        time.sleep(1)
        assert not UnionHolding.objects.filter(library=beta, instance_id=second.pk).exists()

        worker.start()
        assert wait_for(lambda: UnionHolding.objects.filter(library=beta, instance_id=second.pk).exists(),
                        timeout=60), worker.log()
        assert wait_for(lambda: UnionHolding.objects.filter(
            library=alpha, instance_id=first.pk, record__summary="停机时改的提要").exists(), timeout=30)
        union_record = UnionHolding.objects.get(library=alpha, instance_id=first.pk).union_record
        assert union_record.holdings.count() == 2
    finally:
        worker.stop()
    assert_union_clean()
