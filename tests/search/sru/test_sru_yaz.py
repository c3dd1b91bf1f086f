"""Index Data's yaz-client (a real SRU client) searches our /sru endpoint over HTTP."""

from __future__ import annotations

import shutil
import subprocess

import pytest

YAZ = shutil.which("yaz-client")
pytestmark = pytest.mark.skipif(YAZ is None, reason="yaz-client is not installed (Debian package yaz)")


def yaz(live_server, *commands: str, version: str = "1.2") -> str:
    script = "\n".join(
        [f"open {live_server.url}/sru", f"sru get {version}", "querytype cql", *commands, "quit", ""]
    )
    done = subprocess.run([YAZ], input=script, capture_output=True, text=True, timeout=60, check=False)
    return done.stdout + done.stderr


@pytest.mark.parametrize("version", ["1.2", "2.0"])
def test_yaz_client_finds_and_shows_a_chinese_record(live_server, indexed, version):
    out = yaz(live_server, "schema marcxml", "find dc.title=西游记", "show 1", version=version)
    assert "Number of hits: 1" in out
    assert "西游记" in out
    assert "吴承恩" in out
    assert '<record xmlns="http://www.loc.gov/MARC21/slim">' in out or "MARC21/slim" in out


def test_yaz_client_pages_through_a_boolean_query(live_server, indexed):
    out = yaz(live_server, "schema dc", "find dc.publisher=人民文学出版社 not dc.creator=曹雪芹", "show 1+3")
    assert "Number of hits: 3" in out
    assert out.count("<dc:title>") == 3
    assert "红楼梦" not in out


def test_yaz_client_reports_our_diagnostics(live_server, indexed):
    out = yaz(live_server, "find dc.nosuchindex=x", "find dc.title any")
    assert "info:srw/diagnostic/1/16" in out or "Unsupported index" in out
    assert "info:srw/diagnostic/1/10" in out or "Query syntax error" in out
