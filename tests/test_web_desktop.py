"""The web desktop (/www: index.html, app.js, app.css) in a real browser:
Debian's Chromium, headless, driven through Selenium, against uhttpd on
the simulator. Logging in and out, the dashboard next to `si`, `free` and
`df`, the files panel's round trips checked on the simulator's flash, the
terminal over the WebSocket, a session refused once `setauth` changed the
password. The precompressed assets are checked against their sources.

MUNIX_SCREENSHOT=FILE saves a picture of the dashboard there (the
README's).
"""
import gzip
import http.client
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import conftest
from conftest import PASSWORD, USER, DaemonBoard
from munixtool import webassets

TIMEOUT = 15
ROOT = Path(__file__).resolve().parent.parent
PAGE_MAX = 30 * 1024        # the first page's transfer, gzipped
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait
    MISSING = None
except ImportError:
    MISSING = "selenium is not installed (pip install selenium)"
if MISSING is None and not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
    MISSING = "no chromium/chromedriver (apt install chromium chromium-driver)"

browser_only = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


class WebBoard(DaemonBoard):
    """The OS in a pseudo-terminal, uhttpd on a port of its own serving
    the checkout's /www, alice's password set."""

    SECTION, COMMAND = "http", "uhttpd"

    def path(self, name):
        return self.board.path(name)

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port


@pytest.fixture
def web(flash):
    b = WebBoard(flash)
    yield b
    b.close()


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    if MISSING:
        pytest.skip(MISSING)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1100,900", "--disable-extensions", "--no-first-run",
                "--user-data-dir=%s" % tmp_path_factory.mktemp("chromium")):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(TIMEOUT)
    driver.set_script_timeout(TIMEOUT)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chrome, web):
    """Chromium on the board's page, no cookie left from another test."""
    chrome.get(web.base + "/")
    chrome.delete_all_cookies()
    chrome.get(web.base + "/")
    yield chrome
    # A test's dialog left open would block the next one.
    try:
        chrome.switch_to.alert.dismiss()
    except Exception:
        pass


def wait(driver, what, check, timeout=TIMEOUT):
    """check(driver)'s first true value, within timeout."""
    try:
        return WebDriverWait(driver, timeout, 0.05).until(check)
    except TimeoutException:
        # What the page told its user instead (the board busy, gone ...),
        # or what the browser shows in its place (an answer not the page's).
        said = driver.execute_script("const n = document.getElementById('note');"
                                     "return n ? n.textContent"
                                     " : location.href + ': ' + document.body.innerText.slice(0, 200);")
        raise AssertionError("waited %d s for %s; the page says: %r" % (timeout, what, said)) from None


def by_id(driver, name):
    return driver.find_element(By.ID, name)


def text_of(driver, name):
    return by_id(driver, name).text


def visible(driver, name):
    return by_id(driver, name).is_displayed()


def log_in(driver, user=USER, password=PASSWORD):
    wait(driver, "the login form", lambda d: visible(d, "login"))
    field = by_id(driver, "login-user")
    field.clear()
    field.send_keys(user)
    field = by_id(driver, "login-password")
    field.clear()
    field.send_keys(password)
    by_id(driver, "login-go").click()


def logged_in(driver):
    log_in(driver)
    wait(driver, "the dashboard", lambda d: visible(d, "dash") and text_of(d, "d-board"))


def fetch(driver, path, method="GET"):
    """(status, body) of a request the page makes with its cookie."""
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0], {method: arguments[1], headers: {"X-Requested-With": "munix"}})
          .then(r => r.text().then(t => done([r.status, t])), e => done([0, String(e)]));
    """, path, method)


def human(n):
    """A size as the page shows it (app.js, human())."""
    units = ["B", "KB", "MB", "GB", "TB"]
    i = 0
    while n >= 1024 and i < len(units) - 1:
        n /= 1024
        i += 1
    return "%s %s" % (round(n) if i == 0 or n >= 10 else "%.1f" % n, units[i])


# The assets

def test_assets_are_compressed_from_their_sources(tmp_path):
    www = webassets.www_dir()
    assert webassets.stale(www) == [], "run tools/munix www"
    total = sum((www / (name + ".gz")).stat().st_size for name in webassets.SOURCES)
    assert total < PAGE_MAX
    # --check says which is stale; writing makes it right, deterministically.
    for name in webassets.SOURCES:
        shutil.copy(www / name, tmp_path / name)
    (tmp_path / "app.js").write_text((www / "app.js").read_text() + "\n// changed\n")
    assert webassets.stale(tmp_path) == ["index.html.gz", "app.js.gz", "app.css.gz"]
    sizes = webassets.write(tmp_path)
    assert webassets.stale(tmp_path) == []
    assert gzip.decompress((tmp_path / "app.js.gz").read_bytes()).endswith(b"// changed\n")
    assert sizes["app.js.gz"] == (tmp_path / "app.js.gz").stat().st_size
    first = (tmp_path / "app.js.gz").read_bytes()
    webassets.write(tmp_path)
    assert (tmp_path / "app.js.gz").read_bytes() == first


def test_munix_www_command(tmp_path):
    munix = [str(ROOT / "tools" / "munix"), "www"]
    done = subprocess.run(munix + ["--check"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for name in webassets.SOURCES:
        (tmp_path / name).write_text("<p>%s</p>\n" % name)
    done = subprocess.run(munix + ["--check", "--dir", str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == ("munix www: out of date: index.html.gz, app.js.gz, app.css.gz "
                           "(run tools/munix www)\n")
    done = subprocess.run(munix + ["--dir", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "first page" in done.stdout
    assert gzip.decompress((tmp_path / "app.css.gz").read_bytes()) == b"<p>app.css</p>\n"
    (tmp_path / "app.js").unlink()
    done = subprocess.run(munix + ["--check", "--dir", str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 1 and done.stderr.startswith("munix: ") and "app.js is missing" in done.stderr


def test_the_tests_give_the_board_no_port_the_browser_refuses(monkeypatch):
    monkeypatch.setattr(conftest, "PORTS", "6664-6670")
    monkeypatch.setattr(conftest, "_next_port", [])
    drawn = {conftest.free_port() for _ in range(4)}
    assert drawn and drawn <= {6664, 6670}, drawn


def test_first_page_is_served_gzipped(web):
    """What a browser transfers for the first page: the .gz files, under 30 KB."""
    www = webassets.www_dir()
    total = 0
    for path, name in (("/", "index.html"), ("/app.js", "app.js"), ("/app.css", "app.css")):
        c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=TIMEOUT)
        c.request("GET", path, headers={"Accept-Encoding": "gzip, deflate"})
        r = c.getresponse()
        body = r.read()
        c.close()
        assert r.status == 200 and r.getheader("Content-Encoding") == "gzip", path
        assert gzip.decompress(body) == (www / name).read_bytes()
        total += len(body)
    assert total < PAGE_MAX


# In the browser

@browser_only
def test_login_wrong_password_and_logout(browser, web):
    wait(browser, "the login form", lambda d: visible(d, "login"))
    assert not visible(browser, "app") and text_of(browser, "login-error") == ""
    log_in(browser, password="not the password")
    wait(browser, "the refusal", lambda d: "wrong user or password" in text_of(d, "login-error"))
    assert not visible(browser, "app")
    logged_in(browser)
    assert text_of(browser, "user") == USER
    # The page holds a session: a reload goes straight to the dashboard.
    browser.refresh()
    wait(browser, "the dashboard after a reload", lambda d: visible(d, "dash") and text_of(d, "d-board"))
    by_id(browser, "logout").click()
    wait(browser, "the login form", lambda d: visible(d, "login"))
    assert fetch(browser, "/api/sys")[0] == 401
    browser.refresh()
    wait(browser, "the login form after a reload", lambda d: visible(d, "login"))
    assert not visible(browser, "app")


@browser_only
def test_fits_a_phone_width_screen(browser, web):
    """At 390 px wide (a phone held upright) no panel is wider than the
    screen: wide tables scroll inside themselves."""
    web.path("/tmp/a file with a rather long name that goes on and on.txt").write_text("x\n")
    browser.set_window_size(390, 844)
    try:
        logged_in(browser)
        for tab in ("dash", "files", "term"):
            by_id(browser, "tabs").find_element(By.CSS_SELECTOR, "[data-tab=%s]" % tab).click()
            wait(browser, tab, lambda d: visible(d, tab))
            if tab == "files":
                wait(browser, "the listing of /", lambda d: row(d, "tmp"))
                row(browser, "tmp").find_element(By.CSS_SELECTOR, "a.name").click()
                wait(browser, "/tmp", lambda d: text_of(d, "f-path") == "/tmp")
            width = browser.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
            assert width[0] <= width[1], (tab, width)
    finally:
        browser.set_window_size(1100, 900)


def si_lines(web):
    out = web.run("si")
    return dict(re.findall(r"^(\w[\w ]*):\s+(.*)$", out, re.M))


@browser_only
def test_dashboard_shows_what_si_free_and_df_say(browser, web):
    web.run("echo '*/5 * * * * echo tick' > /tmp/cron.tab; crontab /tmp/cron.tab")
    logged_in(browser)
    si = si_lines(web)
    assert text_of(browser, "d-board") == si["Board"]
    assert text_of(browser, "d-micropython").startswith(si["MicroPython"].split()[0])
    assert text_of(browser, "d-cpu") == (si["CPU"] if "CPU" in si else "unknown")
    free = web.run("free").split("\n")[1].split()
    assert text_of(browser, "d-heap-total") == human(int(free[1]))
    df = web.run("df /").split("\n")[1].split()
    assert text_of(browser, "d-flash-total") == human(int(df[0]))
    # Values in human units, never a raw count of bytes.
    for name in ("d-heap-used", "d-heap-free", "d-heap-largest", "d-flash-used", "d-flash-free"):
        assert re.fullmatch(r"\d+(\.\d)? (B|KB|MB|GB|TB)", text_of(browser, name)), name
    assert re.fullmatch(r"(\d+ days?, )?\d+:\d\d:\d\d", text_of(browser, "d-uptime"))
    assert "*/5 * * * * echo tick" in text_of(browser, "d-cron").split("\n")
    # The daemon serving the page, with this session.
    wait(browser, "uhttpd among the daemons",
         lambda d: re.search(r"^\w*http\w* %d \d+ \d+$" % web.port, text_of(d, "d-daemons"), re.M))
    # It refreshes by itself: a job started now shows up, and its Stop button ends it.
    web.run("sleep 300 &")
    wait(browser, "the sleep job", lambda d: "sleep 300" in text_of(d, "d-jobs"))
    shot = os.environ.get("MUNIX_SCREENSHOT")
    if shot:
        browser.save_screenshot(shot)
    # Found and clicked in one step: the refresh redraws the rows.
    assert browser.execute_script("""
        const row = Array.from(document.querySelectorAll("#d-jobs tbody tr"))
          .find(r => r.textContent.includes("sleep 300"));
        if (row) row.querySelector("button.stop").click();
        return !!row;""")
    wait(browser, "the job gone", lambda d: "sleep 300" not in text_of(d, "d-jobs"))
    assert "sleep 300" not in web.run("ps")


@browser_only
def test_files_upload_download_rename_delete(browser, web, tmp_path):
    logged_in(browser)
    by_id(browser, "tabs").find_element(By.CSS_SELECTOR, "[data-tab=files]").click()
    wait(browser, "the listing of /", lambda d: text_of(d, "f-path") == "/" and row(d, "www"))
    row(browser, "tmp").find_element(By.CSS_SELECTOR, "a.name").click()
    wait(browser, "the listing of /tmp", lambda d: text_of(d, "f-path") == "/tmp")
    # Upload (the file input is the Upload button's, hidden behind it).
    data = bytes(range(256)) * 400 + b"end\n"
    local = tmp_path / "up load.bin"
    local.write_bytes(data)
    browser.execute_script("arguments[0].hidden = false", by_id(browser, "f-upload"))
    by_id(browser, "f-upload").send_keys(str(local))
    wait(browser, "the upload", lambda d: "uploaded" in text_of(d, "f-status") and row(d, "up load.bin"))
    assert by_id(browser, "f-bar").get_attribute("value") == "1"
    assert web.path("/tmp/up load.bin").read_bytes() == data
    # Download: the link the browser follows, with the session's cookie.
    link = row(browser, "up load.bin").find_element(By.CSS_SELECTOR, "a.name")
    got = browser.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => done(Array.from(new Uint8Array(b))));
    """, link.get_attribute("href"))
    assert bytes(got) == data
    # New folder, then rename the file into it.
    by_id(browser, "f-mkdir").click()
    answer(browser, "box")
    wait(browser, "the new folder", lambda d: row(d, "box"))
    assert web.path("/tmp/box").is_dir()
    row(browser, "up load.bin").find_element(By.CSS_SELECTOR, "button.rename").click()
    answer(browser, "/tmp/box/moved.bin")
    wait(browser, "the file gone from /tmp", lambda d: not row(d, "up load.bin"))
    assert web.path("/tmp/box/moved.bin").read_bytes() == data
    assert not web.path("/tmp/up load.bin").exists()
    # A rename onto a file that exists is refused with the daemon's reason.
    web.path("/tmp/other.txt").write_text("other\n")
    browser.refresh()
    wait(browser, "the listing of /tmp", lambda d: row(d, "other.txt"))
    row(browser, "other.txt").find_element(By.CSS_SELECTOR, "button.rename").click()
    answer(browser, "box")
    wait(browser, "the refusal", lambda d: "exists" in text_of(d, "f-error"))
    assert web.path("/tmp/other.txt").read_text() == "other\n"
    # Delete asks first: dismissed, nothing happens; accepted, the file goes.
    row(browser, "other.txt").find_element(By.CSS_SELECTOR, "button.delete").click()
    wait(browser, "the question", EC.alert_is_present()).dismiss()
    assert web.path("/tmp/other.txt").exists()
    row(browser, "other.txt").find_element(By.CSS_SELECTOR, "button.delete").click()
    wait(browser, "the question", EC.alert_is_present()).accept()
    wait(browser, "the file gone", lambda d: not row(d, "other.txt"))
    assert not web.path("/tmp/other.txt").exists()
    # A folder that is not empty is refused, with the reason.
    row(browser, "box").find_element(By.CSS_SELECTOR, "button.delete").click()
    wait(browser, "the question", EC.alert_is_present()).accept()
    wait(browser, "the refusal", lambda d: text_of(d, "f-error"))
    assert web.path("/tmp/box/moved.bin").exists()


def row(driver, name):
    """The files panel's row for name, or None (found in one step: the
    panel redraws its rows after each change)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#f-list tbody tr'))"
        ".find(r => r.dataset.name === arguments[0]) || null", name)


def answer(driver, text):
    alert = wait(driver, "the question", EC.alert_is_present())
    alert.send_keys(text)
    alert.accept()


@browser_only
def test_editor_saves_and_shows_refusals(browser, web):
    web.path("/tmp/notes.txt").write_text("line one\nline two\n")
    logged_in(browser)
    browser.get(web.base + "/#files")
    wait(browser, "the listing of /", lambda d: row(d, "tmp"))
    row(browser, "tmp").find_element(By.CSS_SELECTOR, "a.name").click()
    wait(browser, "notes.txt", lambda d: row(d, "notes.txt"))
    row(browser, "notes.txt").find_element(By.CSS_SELECTOR, "button.edit").click()
    text = wait(browser, "the editor", lambda d: visible(d, "editor") and by_id(d, "e-text"))
    wait(browser, "the file's text", lambda d: text.get_attribute("value") == "line one\nline two\n")
    text.send_keys(Keys.CONTROL, Keys.END)
    text.send_keys("line three é\n")
    by_id(browser, "e-save").click()
    wait(browser, "saved", lambda d: "saved" in text_of(d, "e-status"))
    assert web.path("/tmp/notes.txt").read_text() == "line one\nline two\nline three é\n"
    assert not [p for p in web.path("/tmp").iterdir() if p.name.endswith(".part")]
    # A protected file opens, and saving it is refused with the daemon's reason.
    by_id(browser, "e-close").click()
    by_id(browser, "f-up").click()
    wait(browser, "main.py", lambda d: row(d, "main.py"))
    before = web.path("/main.py").read_text()
    row(browser, "main.py").find_element(By.CSS_SELECTOR, "button.edit").click()
    wait(browser, "the editor", lambda d: by_id(d, "e-text").get_attribute("value") == before)
    by_id(browser, "e-text").send_keys("# changed\n")
    by_id(browser, "e-save").click()
    wait(browser, "the refusal", lambda d: "/main.py" in text_of(d, "e-status"))
    assert "saved" not in text_of(browser, "e-status")
    assert web.path("/main.py").read_text() == before


def screen(driver):
    return by_id(driver, "t-out").text


VT100 = [
    (["abc\r\nde"], ["abc", "de"], (1, 2)),
    (["hello\b\bXY"], ["helXY"], (0, 5)),
    (["abcdef\x1b[3D\x1b[K"], ["abc"], (0, 3)),
    (["ab\x1b[2Cc", "\x1b[D\x1b[D!"], ["ab !c"], (0, 4)),
    (["one\r\ntwo\x1b[2J\x1b[Hy"], ["y"], (0, 1)),
    (["\x1b[1;31mred\x1b[0m \x1b]0;title\x07é"], ["red é"], (0, 5)),
    (["a\x1b", "[", "1Db"], ["b"], (0, 1)),        # a sequence cut between frames
    (["abcdefg"], ["abcde", "fg"], (1, 2)),         # 5 columns: wrapped
    (["a\tb"], ["a       b"], (0, 9)),
    (["x\r\n\x1b[?25l\x1b[Ay"], ["y", ""], (0, 1)),
]


@browser_only
def test_terminal_renderer_vt100_subset(browser):
    """The terminal's screen (app.js, Screen) fed what the line editor and
    programs send, colours and titles ignored."""
    for frames, lines, cursor in VT100:
        got = browser.execute_script("""
            const s = new Screen(document.createElement("pre"));
            s.cols = 5 + 75 * !arguments[1];
            for (const f of arguments[0]) s.write(f);
            return [s.lines, [s.row, s.col]];""", frames, frames == ["abcdefg"])
        assert got == [lines, list(cursor)], frames


@browser_only
def test_terminal_runs_commands_and_ctrl_c_interrupts(browser, web):
    logged_in(browser)
    by_id(browser, "tabs").find_element(By.CSS_SELECTOR, "[data-tab=term]").click()
    wait(browser, "the prompt", lambda d: "$:" in screen(d))
    keys = ActionChains(browser)
    by_id(browser, "t-view").click()
    keys.send_keys("echo helx").send_keys(Keys.BACKSPACE).send_keys("lo there").send_keys(Keys.ENTER).perform()
    wait(browser, "echo's output", lambda d: re.search(r"^hello there\s*$", screen(d), re.M))
    # The line editor's history: the arrow brings the line back.
    ActionChains(browser).send_keys(Keys.ARROW_UP).send_keys(Keys.ENTER).perform()
    wait(browser, "echo's output again", lambda d: len(re.findall(r"^hello there\s*$", screen(d), re.M)) == 2)
    # Tab completes the command's name.
    ActionChains(browser).send_keys("ech").send_keys(Keys.TAB).send_keys(" tabbed").send_keys(Keys.ENTER).perform()
    wait(browser, "the completed command", lambda d: re.search(r"^tabbed\s*$", screen(d), re.M))
    # The screen's size is the session's: $COLUMNS follows the window.
    cols = browser.execute_script("return display.cols")
    ActionChains(browser).send_keys("echo cols=$COLUMNS").send_keys(Keys.ENTER).perform()
    wait(browser, "$COLUMNS", lambda d: re.search(r"^cols=%d\s*$" % cols, screen(d), re.M))
    browser.set_window_size(700, 900)
    try:
        wait(browser, "a narrower screen", lambda d: d.execute_script("return display.cols") < cols)
        narrow = browser.execute_script("return display.cols")
        ActionChains(browser).send_keys("echo cols=$COLUMNS").send_keys(Keys.ENTER).perform()
        wait(browser, "$COLUMNS after the resize",
             lambda d: re.search(r"^cols=%d\s*$" % narrow, screen(d), re.M))
    finally:
        browser.set_window_size(1100, 900)
    ActionChains(browser).send_keys("sleep 30").send_keys(Keys.ENTER).perform()
    wait(browser, "sleep running", lambda d: "sleep 30" in web.run("ps"))
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("c").key_up(Keys.CONTROL).perform()
    wait(browser, "sleep interrupted", lambda d: "sleep 30" not in web.run("ps"))
    ActionChains(browser).send_keys("echo after").send_keys(Keys.ENTER).perform()
    wait(browser, "the next command", lambda d: re.search(r"^after\s*$", screen(d), re.M))
    # exit ends the session; Connect starts another.
    ActionChains(browser).send_keys("exit").send_keys(Keys.ENTER).perform()
    wait(browser, "the session closed", lambda d: "closed" in text_of(d, "t-status"))
    by_id(browser, "t-connect").click()
    wait(browser, "a new prompt", lambda d: "$:" in screen(d) and "connected" == text_of(d, "t-status"))


@browser_only
def test_the_page_asks_again_until_the_board_answers(browser, web):
    """The page's first question (its session) met a board that did not
    answer (busy, or its daemon restarting): it said so and asked no more,
    its user left without a login form until they reloaded the page."""
    wait(browser, "the login form", lambda d: visible(d, "login"))
    assert "stopped" in web.run("uhttpd stop")
    browser.execute_script("start()")
    wait(browser, "the note", lambda d: "does not answer" in text_of(d, "note"))
    assert "listening" in web.run("uhttpd start")
    wait(browser, "the login form and no note", lambda d: visible(d, "login") and not visible(d, "note"))


@browser_only
def test_session_refused_once_setauth_changed_the_password(browser, web):
    logged_in(browser)
    assert fetch(browser, "/api/sys")[0] == 200
    web.board.send("setauth %s\r" % USER)
    web.board.expect("New password for %s: " % USER)
    web.board.send("another pass\r")
    web.board.expect("Again: ")
    web.board.send("another pass\r")
    web.board.read_to_prompt()
    # The next refresh of the dashboard finds the session gone.
    wait(browser, "the login page", lambda d: visible(d, "login"))
    assert "log in again" in text_of(browser, "login-error")
    assert fetch(browser, "/api/sys")[0] == 401
    log_in(browser)
    wait(browser, "the refusal", lambda d: "wrong user or password" in text_of(d, "login-error"))
    log_in(browser, password="another pass")
    wait(browser, "the dashboard", lambda d: visible(d, "dash") and text_of(d, "d-board"))


# The hardware panel, on an ESP32 DevKitC's board file and the simulator's
# workbench (an SHT3x on the I2C bus)

def workbench(web):
    return json.loads(web.flash.with_name(web.flash.name + ".bench").joinpath("state.json").read_text())


def pin_cells(driver, gpio):
    """The texts of the pin's row in the panel, None before it shows;
    read in one step: the refresh redraws the rows."""
    return driver.execute_script("""
        const row = document.querySelector("#h-pins tr[data-gpio='" + arguments[0] + "']");
        return row ? Array.from(row.cells, c => c.innerText) : null;""", str(gpio))


def hardware_panel(driver):
    by_id(driver, "tabs").find_element(By.CSS_SELECTOR, "[data-tab=hw]").click()
    wait(driver, "the pins", lambda d: visible(d, "hw") and pin_cells(d, 4))


@browser_only
def test_hardware_panel_reads_pins_and_sensors_and_drives_them(browser, web):
    web.run("loadboard /etc/boards/esp32-devkitc.board")
    web.run("gpio 4 write 1")
    logged_in(browser)
    hardware_panel(browser)
    assert text_of(browser, "h-board") == "ESP32 DevKitC"
    assert pin_cells(browser, 4) == ["GPIO4", "", "out", "1", "free", "Toggle"]
    assert pin_cells(browser, 6) == ["GPIO6", "", "", "", "reserved: flash", ""]
    assert pin_cells(browser, 21)[:2] == ["GPIO21", "SDA"]
    assert pin_cells(browser, 34)[4:] == ["input only", ""]
    # The sensor as `sensors` prints it.
    name, celsius, _, humidity, _ = web.run("sensors").split()
    assert text_of(browser, "h-sensors").splitlines()[1] == "%s %s °C %s %%RH" % (name, celsius, humidity)
    # A pin toggled: the panel and the workbench both see it.
    assert browser.execute_script("""
        const b = document.querySelector("#h-pins tr[data-gpio='4'] button.toggle");
        if (b) b.click();
        return !!b;""")
    wait(browser, "GPIO4 low", lambda d: pin_cells(d, 4)[3] == "0")
    assert workbench(web)["pins"]["4"]["out"] == 0 and web.run("gpio 4").split() == ["0"]
    # The LED switched on, as led and the workbench tell.
    assert text_of(browser, "h-led-state") == "off (GPIO2)"
    assert not visible(browser, "h-led-colour")
    by_id(browser, "h-led-toggle").click()
    wait(browser, "the LED on", lambda d: text_of(d, "h-led-state") == "on (GPIO2)")
    assert web.run("led").split() == ["on"] and workbench(web)["pins"]["2"]["out"] == 1
    assert text_of(browser, "h-led-toggle") == "Turn off"
    # A pin a job holds: named, no button; it refreshes by itself.
    web.run("led blink 100 &")
    wait(browser, "the LED booked", lambda d: text_of(d, "h-led-state").startswith("used by led blink"))
    assert pin_cells(browser, 2)[4].startswith("used by led blink") and pin_cells(browser, 2)[5] == ""
    assert not by_id(browser, "h-led-toggle").is_enabled()
    web.run("kill %1")
    # It fits a phone's width.
    browser.set_window_size(390, 844)
    try:
        width = browser.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
        assert width[0] <= width[1], width
    finally:
        browser.set_window_size(1100, 900)


@browser_only
def test_hardware_panel_colours_a_neopixel(browser, web):
    board = json.loads(web.path("/etc/boards/esp32-devkitc.board").read_text())
    board["rgb"] = {"pin": 16, "type": "neopixel"}
    web.path("/etc/bench.board").write_text(json.dumps(board))
    web.run("loadboard /etc/bench.board")
    logged_in(browser)
    hardware_panel(browser)
    assert text_of(browser, "h-led-state") == "off (GPIO16, NeoPixel)"
    assert visible(browser, "h-led-colour")
    # What a colour chosen in the picker sends.
    browser.execute_script("""const c = document.getElementById("h-led-colour");
        c.value = "#00ff80"; c.dispatchEvent(new Event("change"));""")
    wait(browser, "the LED coloured", lambda d: text_of(d, "h-led-state") == "on (GPIO16, NeoPixel)")
    assert bytes.fromhex(workbench(web)["bitstream"]["16"]) == bytes([0xff, 0x00, 0x80])    # GRB
    assert web.run("led").split() == ["on", "0,255,128"]
    assert fetch(browser, "/api/hw")[0] == 200
    by_id(browser, "h-led-toggle").click()
    wait(browser, "the LED off", lambda d: text_of(d, "h-led-state") == "off (GPIO16, NeoPixel)")
    assert bytes.fromhex(workbench(web)["bitstream"]["16"]) == bytes(3)
