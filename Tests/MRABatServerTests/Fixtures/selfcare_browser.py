#!/usr/bin/env python3
"""Drives headless Chromium through Self-Care over the DevTools protocol (on a pipe, no extra packages).

Usage: selfcare_browser.py URL USER PASSWORD SCREENSHOT.png [PROFILE_DIR]
Opens URL (the /selfcare/ page), logs in through the form, takes a screenshot of the phones page,
logs out through its form, and prints one JSON line:
{"login_page": text, "phones_page": text, "after_logout": text, "cookies": [...] (logged in),
 "cookies_after_logout": [...], "screenshot": path}
Exits 3 when chromium cannot be started. Every wait is bounded.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def main():
    url, user, password, screenshot = sys.argv[1:5]
    profile = sys.argv[5] if len(sys.argv) > 5 else tempfile.mkdtemp(prefix="mrabat-chromium-")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print(json.dumps({"error": "chromium is not installed (apt-get install chromium)"}))
        sys.exit(3)
    to_browser_read, to_browser_write = os.pipe()
    from_browser_read, from_browser_write = os.pipe()

    def child_fds():
        os.dup2(to_browser_read, 3)
        os.dup2(from_browser_write, 4)

    process = subprocess.Popen(
        [browser, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
         "--ignore-certificate-errors", "--no-first-run", "--user-data-dir=" + profile,
         "--window-size=1000,1400", "about:blank"],
        pass_fds=(3, 4), preexec_fn=child_fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(to_browser_read)
    os.close(from_browser_write)
    writer = os.fdopen(to_browser_write, "wb", buffering=0)
    reader = os.fdopen(from_browser_read, "rb", buffering=0)
    state = {"id": 0, "buffer": b"", "events": []}
    deadline = time.time() + 60

    def receive():
        while b"\0" not in state["buffer"]:
            if time.time() > deadline:
                raise TimeoutError("chromium did not answer in time")
            chunk = reader.read(65536)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            state["buffer"] += chunk
        message, _, state["buffer"] = state["buffer"].partition(b"\0")
        return json.loads(message)

    def call(method, params=None, session=None):
        state["id"] += 1
        message = {"id": state["id"], "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        writer.write(json.dumps(message).encode() + b"\0")
        while True:
            answer = receive()
            if answer.get("id") == state["id"]:
                if "error" in answer:
                    raise RuntimeError("%s: %s" % (method, answer["error"]))
                return answer.get("result", {})
            state["events"].append(answer)

    def wait_for_load(session):
        while True:
            for index, event in enumerate(state["events"]):
                if event.get("method") == "Page.loadEventFired" and event.get("sessionId") == session:
                    del state["events"][: index + 1]
                    return
            state["events"].append(receive())

    def evaluate(session, expression):
        return call("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)["result"].get("value")

    try:
        target = call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        call("Page.enable", session=session)
        call("Page.navigate", {"url": url}, session)
        wait_for_load(session)
        login_page = evaluate(session, "document.body.innerText")
        evaluate(session,
                 "document.querySelector('[name=user]').value = %s;"
                 "document.querySelector('[name=password]').value = %s;"
                 "document.querySelector('form').submit(); true" % (json.dumps(user), json.dumps(password)))
        wait_for_load(session)
        phones_page = evaluate(session, "document.body.innerText")
        shot = call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session)
        with open(screenshot, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))
        cookies = call("Network.getCookies", {"urls": [url]}, session).get("cookies", [])
        logged_in = evaluate(session, "document.querySelector('form[action=\"/selfcare/logout\"]') !== null")
        after_logout = ""
        if logged_in:
            evaluate(session, "document.querySelector('form[action=\"/selfcare/logout\"]').submit(); true")
            wait_for_load(session)
            after_logout = evaluate(session, "document.body.innerText")
        cookies_after_logout = call("Network.getCookies", {"urls": [url]}, session).get("cookies", [])
        print(json.dumps({"login_page": login_page, "phones_page": phones_page, "after_logout": after_logout,
                          "cookies": cookies, "cookies_after_logout": cookies_after_logout,
                          "screenshot": screenshot}))
    finally:
        try:
            call("Browser.close")
        except Exception:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


main()
