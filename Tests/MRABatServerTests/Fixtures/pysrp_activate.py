#!/usr/bin/env python3
"""An independent phone for `mrabat serve`: SPEC section 7 with the `srp` package (pysrp) in RFC 5054 mode.

Usage: pysrp_activate.py URL CA MIC MIC_KEY CODE MAC MODEL [SOURCE_ADDRESS]
Prints one JSON line {"status": S, "body": {...}, "step": "start"|"finish", "m2_ok": bool} and exits 0
when the exchange ran (whatever the service answered), 3 when python or srp is unusable.
"""
import hashlib
import http.client
import json
import ssl
import sys
import urllib.parse

try:
    import srp
except ImportError as error:  # the test fails with this message rather than skipping
    print(json.dumps({"error": "the srp package is not installed: %s (python3 -m pip install srp)" % error}))
    sys.exit(3)


def identity(code):
    derived = hashlib.pbkdf2_hmac("sha256", code.encode(), b"mrabat/activation-identity/v1", 120, 16)
    return "ac1-" + derived.hex()


def main():
    url, ca, mic, mic_key, code, mac, model = sys.argv[1:8]
    source = sys.argv[8] if len(sys.argv) > 8 else None
    parsed = urllib.parse.urlparse(url)
    context = ssl.create_default_context(cafile=ca)
    context.load_cert_chain(mic, mic_key)
    connection = http.client.HTTPSConnection(
        parsed.hostname, parsed.port, context=context, timeout=30,
        source_address=(source, 0) if source else None)

    def post(path, body):
        connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else {}, response.getheader("Retry-After")

    srp.rfc5054_enable()
    user = srp.User(identity(code), code, hash_alg=srp.SHA256, ng_type=srp.NG_2048)
    name, public_a = user.start_authentication()
    status, body, retry = post("/activation/v1/start", {"identity": name, "A": public_a.hex(), "model": model, "mac": mac})
    if status != 200:
        print(json.dumps({"step": "start", "status": status, "body": body, "retryAfter": retry}))
        return
    proof = user.process_challenge(bytes.fromhex(body["salt"]), bytes.fromhex(body["B"]))
    if proof is None:
        print(json.dumps({"step": "start", "status": status, "body": body, "error": "SRP safety check failed"}))
        return
    status, answer, retry = post("/activation/v1/finish", {"session": body["session"], "M1": proof.hex()})
    m2_ok = False
    if status == 200:
        user.verify_session(bytes.fromhex(answer["M2"]))
        m2_ok = user.authenticated()
    print(json.dumps({"step": "finish", "status": status, "body": answer, "m2_ok": m2_ok, "retryAfter": retry}))


main()
