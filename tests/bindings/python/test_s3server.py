"""The S3 test server itself: a real s3proxy answers ranged GETs with 206, multipart
uploads work, and the counting proxy sees (and can disturb) every request. The
object-storage tests build on these facts."""
import pytest

from s3server import Fault


def test_put_get_range_through_counting_proxy(s3_server, s3_bucket, s3_proxy):
    s3 = s3_server.boto3(endpoint=s3_proxy.endpoint)
    data = bytes(range(256)) * 1000
    s3.put_object(Bucket=s3_bucket, Key="obj", Body=data)
    s3_proxy.reset()
    r = s3.get_object(Bucket=s3_bucket, Key="obj", Range="bytes=1000-1999")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert r["Body"].read() == data[1000:2000]
    assert s3_proxy.count("GET") == 1
    assert s3_proxy.bytes("GET") == 1000
    assert s3_proxy.requests[0].range == "bytes=1000-1999"


def test_multipart_upload_and_abort(s3_server, s3_bucket):
    s3 = s3_server.boto3()
    up = s3.create_multipart_upload(Bucket=s3_bucket, Key="mp")
    part = b"x" * (5 << 20)
    e1 = s3.upload_part(Bucket=s3_bucket, Key="mp", UploadId=up["UploadId"], PartNumber=1, Body=part)
    e2 = s3.upload_part(Bucket=s3_bucket, Key="mp", UploadId=up["UploadId"], PartNumber=2, Body=b"tail")
    s3.complete_multipart_upload(Bucket=s3_bucket, Key="mp", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"ETag": e1["ETag"], "PartNumber": 1}, {"ETag": e2["ETag"], "PartNumber": 2}]})
    assert s3.get_object(Bucket=s3_bucket, Key="mp")["Body"].read() == part + b"tail"
    up = s3.create_multipart_upload(Bucket=s3_bucket, Key="gone")
    s3.upload_part(Bucket=s3_bucket, Key="gone", UploadId=up["UploadId"], PartNumber=1, Body=part)
    s3.abort_multipart_upload(Bucket=s3_bucket, Key="gone", UploadId=up["UploadId"])
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=s3_bucket).get("Contents", [])]
    assert keys == ["mp"]


def test_fsspec_and_obstore_clients(s3_server, s3_bucket):
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("s3", **s3_server.storage_options())
    fs.pipe(f"{s3_bucket}/a", b"hello world")
    assert fs.cat_file(f"{s3_bucket}/a", start=6, end=11) == b"world"
    obs = pytest.importorskip("obstore")
    store = s3_server.obstore(s3_bucket)
    assert bytes(obs.get_range(store, "a", start=0, end=5)) == b"hello"


def test_faults(s3_server, s3_bucket, s3_proxy):
    s3_server.boto3().put_object(Bucket=s3_bucket, Key="o", Body=b"0123456789")
    import http.client
    import urllib.parse

    def raw_get(path, rng=None):
        u = urllib.parse.urlparse(s3_proxy.endpoint)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        c.request("GET", path, headers={"Range": rng} if rng else {})
        r = c.getresponse()
        try:
            return r.status, r.read()
        except http.client.IncompleteRead as e:
            return r.status, e.partial
        finally:
            c.close()

    # anonymous reads are refused by s3proxy (auth on), so judge only what the proxy did
    s3_proxy.fail_next(1, Fault("status", status=503))
    assert raw_get(f"/{s3_bucket}/o")[0] == 503
    s3_proxy.fail_next(1, Fault("reset"))
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        raw_get(f"/{s3_bucket}/o")
    assert [r.status for r in s3_proxy.requests] == [503, -1]
