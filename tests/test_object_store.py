"""Input, output and the dedup index on S3, against a real S3-compatible server on 127.0.0.1.

moto's server mode speaks the S3 protocol over HTTP; cleanse reaches it through Beam's own S3
file system, configured with the same pipeline options a user would pass for real S3.
"""
import gzip
import json

import pytest

from cleanse import cli

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

BUCKET = "corpus"
TEXTS = [
    "The quick brown fox jumps over the lazy dog near the river bank on a sunny morning in May.",
    "Register allocation by graph colouring is a classic pass in optimising compilers today.",
    "Query planners estimate cardinalities from column statistics gathered by the analyser.",
    "A lighthouse keeper counts the ships passing the cape every night during the winter storms.",
]


@pytest.fixture(scope="module")
def s3():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="test",
                          aws_secret_access_key="test", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    options = [f"--s3_endpoint_url={endpoint}", "--s3_access_key_id=test",
               "--s3_secret_access_key=test", "--s3_region_name=us-east-1"]
    yield client, options
    server.stop()


def rows(batch):
    out = [{"id": f"{batch}-{i}", "text": text} for i, text in enumerate(TEXTS)]
    out.append({"id": f"{batch}-copy", "text": TEXTS[0].upper()})
    return out


def put(client, key, payload: bytes):
    client.put_object(Bucket=BUCKET, Key=key, Body=payload)


def keys(client, prefix):
    found = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return sorted(item["Key"][len(prefix):] for item in found)


def get(client, key) -> bytes:
    return client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def test_input_output_and_index_on_s3_match_a_local_run(s3, tmp_path):
    client, options = s3
    day1 = "".join(json.dumps(r) + "\n" for r in rows("a")).encode()
    day2 = gzip.compress("".join(json.dumps(r) + "\n" for r in rows("b")).encode(), mtime=0)
    put(client, "incoming/day1/part.jsonl", day1)
    put(client, "incoming/day2/part.jsonl.gz", day2)
    common = ["run", "--quiet", "--stages", "dedup", "--dedup-index", f"s3://{BUCKET}/index", *options]

    assert cli.main([*common, "--input", f"s3://{BUCKET}/incoming/day1/*.jsonl",
                     "--output", f"s3://{BUCKET}/clean/day1"]) == 0
    published = keys(client, "clean/day1/")
    marker = json.loads(get(client, "clean/day1/_SUCCESS"))
    assert marker["writer"] == "cleanse" and sorted(marker["files"]) == sorted(
        k for k in published if k != "_SUCCESS")
    assert "clean/part-00000-of-00001.jsonl" in published
    assert not [k for k in keys(client, "clean/") if "cleanse-tmp" in k]  # staging is gone

    # The same batch run on local disk gives the same bytes.
    local_in = tmp_path / "day1.jsonl"
    local_in.write_bytes(day1)
    assert cli.main(["run", "--quiet", "--stages", "dedup", "--input", str(local_in),
                     "--output", str(tmp_path / "local")]) == 0
    local_clean = (tmp_path / "local" / "clean" / "part-00000-of-00001.jsonl").read_bytes()
    assert get(client, "clean/day1/clean/part-00000-of-00001.jsonl") == local_clean
    report = json.loads(get(client, "clean/day1/report.json"))
    assert report["totals"] == {"in": 5, "clean": 4, "rejected": 1, "balanced": True,
                                "blank_lines_skipped": 0}

    # Day two, gzip on S3, dedups against day one through the index on S3.
    assert cli.main([*common, "--input", f"s3://{BUCKET}/incoming/day2/part.jsonl.gz",
                     "--output", f"s3://{BUCKET}/clean/day2"]) == 0
    report = json.loads(get(client, "clean/day2/report.json"))
    assert report["totals"]["clean"] == 0 and report["totals"]["rejected"] == 5
    assert report["stages"]["dedup"]["counters"]["index_documents"] == 4
    manifest = json.loads(get(client, "index/manifest.json"))  # day two published nothing new
    assert {(p["output"], p["run"]) for p in manifest["parts"]} == {
        (f"s3://{BUCKET}/clean/day1", marker["run_id"])}

    # An existing output is refused without --overwrite, as on local disk.
    assert cli.main([*common, "--input", f"s3://{BUCKET}/incoming/day1/*.jsonl",
                     "--output", f"s3://{BUCKET}/clean/day1"]) == 2


def test_a_failed_run_on_s3_publishes_nothing(s3, monkeypatch):
    client, options = s3
    put(client, "incoming/bad/part.jsonl", "".join(json.dumps(r) + "\n" for r in rows("c")).encode())

    class Exploding:
        def process_batch(self, docs):
            raise RuntimeError("model lost")

    monkeypatch.setattr("pipelines.process.build_stage", lambda name, config: Exploding())
    assert cli.main(["run", "--quiet", "--stages", "toxicity", *options,
                     "--input", f"s3://{BUCKET}/incoming/bad/part.jsonl",
                     "--output", f"s3://{BUCKET}/clean/bad"]) == 1
    assert keys(client, "clean/bad") == []
    assert not [k for k in keys(client, "clean/") if "cleanse-tmp" in k]
