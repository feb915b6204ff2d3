"""The commands upyOS's users expect (issue 15): hexdump, which, jq,
fileup, and head -N. Each: normal use as its usual form prints it, and bad
input with its one-line error and status."""
import json

import pytest

# 256 bytes twice, 64 zeros, a line of text: a file whose dump has lines
# alike (*), a partial last line and every byte value.
DATA = bytes(range(256)) * 2 + b"\x00" * 64 + b"tail end\n"


def one_line(err):
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


# hexdump (outputs as util-linux's hexdump prints them)


def test_hexdump_canonical(sim):
    sim.write("/d.bin", DATA)
    r = sim.run("hexdump -C d.bin")
    assert r.status == 0 and r.err == "", r
    lines = r.out.splitlines()
    assert lines[:3] == [
        "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|",
        "00000010  10 11 12 13 14 15 16 17  18 19 1a 1b 1c 1d 1e 1f  |................|",
        "00000020  20 21 22 23 24 25 26 27  28 29 2a 2b 2c 2d 2e 2f  | !\"#$%&'()*+,-./|"]
    assert lines[-5:] == [
        "000001f0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  |................|",
        "00000200  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
        "*",
        "00000240  74 61 69 6c 20 65 6e 64  0a                       |tail end.|",
        "00000249"]
    assert len(lines) == 32 + 4


def test_hexdump_skip_count_and_verbose(sim):
    sim.write("/d.bin", DATA)
    r = sim.run("hexdump -C -s 0x1f0 -n 40 d.bin", "hexdump -v -C -s 520 -n 24 d.bin")
    assert r.out.splitlines() == [
        "000001f0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  |................|",
        "00000200  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
        "00000210  00 00 00 00 00 00 00 00                           |........|",
        "00000218",
        "00000208  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
        "00000218  00 00 00 00 00 00 00 00                           |........|",
        "00000220"]


def test_hexdump_words_standard_input_and_several_files(sim):
    sim.write("/d.bin", DATA)
    sim.write("/a.txt", "abc")
    r = sim.run("hexdump -n 20 d.bin", "echo hello | hexdump -C", "echo hi | hexdump a.txt -",
                "hexdump -C -s 2 a.txt a.txt", "hexdump -C -s 100 a.txt")
    assert r.status == 0 and r.err == "", r
    assert r.out.splitlines() == [
        "0000000 0100 0302 0504 0706 0908 0b0a 0d0c 0f0e",
        "0000010 1110 1312                              ",
        "0000014",
        "00000000  68 65 6c 6c 6f 0a                                 |hello.|",
        "00000006",
        "0000000 6261 6863 0a69                         ",
        "0000006",
        "00000002  63 61 62 63                                       |cabc|",
        "00000006"]


def test_hexdump_streams_a_file_larger_than_the_heap(compiled_sim):
    compiled_sim.write("/big.bin", bytes(range(256)) * 1024)
    done = compiled_sim(["hexdump -C big.bin", "echo status=$?"], heap="112K", timeout=60)
    assert done.stdout.endswith(
        "\n0003fff0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  |................|\n"
        "00040000\nstatus=0\n"), done.stdout[-300:]
    assert done.stdout.count("\n") == 2 + 16 * 1024 + 1


def test_hexdump_bad_input(sim):
    sim.write("/a.txt", "abc")
    r = sim.run("hexdump -C nothere a.txt")
    assert r.status == 1, r
    assert r.err == "hexdump: nothere: No such file or directory\n"
    assert r.out.startswith("00000000  61 62 63")
    for args, message in (("-n x a.txt", "x: not a number of bytes"),
                          ("-s -4 a.txt", "-4: not a offset"),
                          ("-z", "unknown option -z"), ("-n", "option -n needs a value")):
        r = sim.run("hexdump " + args)
        assert r.status == 2 and r.out == "", r
        assert r.err.splitlines()[0] == "hexdump: " + message
    r = sim.run("hexdump --help")
    assert r.status == 0 and r.out.startswith("usage: hexdump [-Cv] [-n N] [-s OFFSET] [FILE...]")


# which


def test_which_finds_programs_along_path(sim):
    sim.write("/usr/bin/hello.sh", "echo hello\n")
    sim.write("/usr/bin/ls.py", "def __main__(args):\n    return 0\n")
    x = sim.ext     # .mpy on a board profile: the compiled tree
    r = sim.run("which ls cat", "export PATH=/bin:/usr/bin", "which hello ls",
                "which -a ls", "which /bin/echo", "which ./bin/cat" + x)
    assert r.status == 0 and r.err == "", r
    assert r.out.splitlines() == [
        "/bin/ls" + x, "/bin/cat" + x, "/usr/bin/hello.sh", "/bin/ls" + x,
        "/bin/ls" + x, "/usr/bin/ls.py", "/bin/echo" + x, "/bin/cat" + x]


def test_which_says_built_ins_aliases_and_functions(sim):
    r = sim.run("alias ll='ls -l'", "which ll exit", "greet() { echo hi; }", "which greet",
                "alias ls='ls -a'", "which ls", "which -a ls")
    assert r.status == 0 and r.err == "", r
    assert r.out.splitlines() == [
        "ll: aliased to ls -l", "exit: shell built-in command", "greet: shell function",
        "ls: aliased to ls -a", "ls: aliased to ls -a", "/bin/ls" + sim.ext]


def test_which_not_found(sim):
    """A shell keyword is no command, as BusyBox's which says (help if
    tells what it is)."""
    r = sim.run("which nosuch ls", "echo $?", "which /lib/shell", "echo $?", "which if", "echo $?",
                "which")
    assert r.out == "/bin/ls%s\n1\n1\n1\n" % sim.ext, r
    assert r.err.splitlines() == ["which: nosuch: not found", "which: /lib/shell: not found",
                                  "which: if: not found", "which: no NAME given",
                                  "usage: which [-a] NAME..."]
    assert r.status == 2


# jq

DOC = {"name": "board", "tags": ["a", "b", "c"], "nested": {"deep": {"x": 1.5}},
       "items": [{"id": 1, "ok": True}, {"id": 2, "ok": False}], "none": None,
       "odd key": "spaced", "n": -7}


def test_jq_paths(sim):
    sim.write("/d.json", json.dumps(DOC))
    r = sim.run("jq -c . d.json", "jq .name d.json", "jq -r .name d.json",
                "jq .nested.deep.x d.json", "jq '.[\"odd key\"]' d.json",
                "jq '.\"odd key\"' d.json", "jq .tags[0] d.json", "jq '.tags[-1]' d.json",
                "jq '.tags[5]' d.json", "jq .missing.deeper d.json", "jq -r '.tags[]' d.json",
                "jq '.items[].id' d.json", "jq '.items[1] | .ok' d.json", "jq .none d.json")
    assert r.status == 0 and r.err == "", r
    assert r.out.splitlines() == [
        '{"items":[{"id":1,"ok":true},{"id":2,"ok":false}],"n":-7,"name":"board",'
        '"nested":{"deep":{"x":1.5}},"none":null,"odd key":"spaced","tags":["a","b","c"]}',
        '"board"', "board", "1.5", '"spaced"', '"spaced"', '"a"', '"c"', "null", "null",
        "a", "b", "c", "1", "2", "false", "null"]


def test_jq_pretty_prints_like_jq(sim):
    sim.write("/d.json", '{"b": [1, {"c": "x"}, []], "a": {}}')
    r = sim.run("jq . d.json")
    assert r.out == ('{\n  "a": {},\n  "b": [\n    1,\n    {\n      "c": "x"\n    },\n'
                     '    []\n  ]\n}\n'), r


def test_jq_keys_length_and_pipes(sim):
    sim.write("/d.json", json.dumps(DOC))
    r = sim.run("jq -c keys d.json", "jq '.tags | keys | length' d.json", "jq '.items|length' d.json",
                "jq '.name | length' d.json", "jq '.n|length' d.json", "jq '.none | length' d.json",
                "jq -c '.items[] | keys' d.json", "jq '.[] | length' d.json")
    assert r.status == 0 and r.err == "", r
    out = r.out.splitlines()
    assert out[:8] == ['["items","n","name","nested","none","odd key","tags"]', "3", "2", "5", "7",
                       "0", '["id","ok"]', '["id","ok"]']
    assert out[8:] == ["2", "7", "5", "1", "0", "6", "3"]


def test_jq_reads_standard_input(sim):
    r = sim.run("echo '[10, 20, 30]' | jq '.[1]'", "cat /etc/system.conf | jq -c 'keys|length'",
                "echo '  ' | jq .", "echo '\"x y\"' | jq -r . -")
    assert r.status == 0 and r.err == "", r
    lines = r.out.splitlines()
    assert lines[0] == "20" and lines[1].isdigit() and lines[2:] == ["x y"]


def test_jq_bad_filters(sim):
    sim.write("/d.json", "{}")
    for text, message in ((".a[", "unexpected end at column 4"),
                          ("foo", "unexpected 'f' at column 1"),
                          (".a | | .b", "unexpected '|' at column 6"),
                          (".a.", "unexpected end at column 4"),
                          (".[x]", "unexpected 'x' at column 3"),
                          ('.["open', "a string not closed at column 3")):
        r = sim.run("jq '%s' d.json" % text)
        assert r.status == 2 and r.out == "", r
        assert one_line(r.err) == "jq: %s: bad filter: %s" % (text, message)


def test_jq_bad_json_and_values(sim):
    sim.write("/bad.json", '{"a": [1, 2')
    sim.write("/d.json", json.dumps(DOC))
    r = sim.run("jq . bad.json")
    assert (r.status, one_line(r.err)) == (1, "jq: bad.json: not valid JSON"), r
    r = sim.run("echo '{oops}' | jq .")
    assert (r.status, one_line(r.err)) == (1, "jq: -: not valid JSON"), r
    r = sim.run("jq . nothere.json")
    assert (r.status, one_line(r.err)) == (1, "jq: nothere.json: No such file or directory"), r
    for text, message in ((".name.x", 'cannot index string with "x"'),
                          (".tags.x", 'cannot index array with "x"'),
                          (".nested[0]", "cannot index object with number"),
                          (".n[]", "cannot iterate over number"),
                          (".name | keys", "string has no keys"),
                          (".items[0].ok | length", "boolean has no length")):
        r = sim.run("jq '%s' d.json" % text)
        assert (r.status, r.out) == (1, ""), r
        assert one_line(r.err) == "jq: " + message


def test_jq_deep_nesting(sim):
    sim.write("/deep.json", "[" * 2000 + "]" * 2000)
    """Too deep for the stack, or for the heap first on a small board: one
    line either way."""
    r = sim.run("jq . deep.json")
    assert r.status == 1, r
    assert one_line(r.err) in ("jq: deep.json: nested too deeply",
                               "jq: deep.json: too big for this board's memory")


def test_jq_standard_input_is_bounded(sim):
    sim.write("/big.json", json.dumps(list(range(3000))))
    r = sim.run("cat big.json | jq length", "jq length big.json")
    assert r.out == "3000\n" and r.status == 0, r
    assert one_line(r.err) == "jq: -: standard input larger than 8K: give the value as a FILE"


def test_jq_usage(sim):
    r = sim.run("jq")
    assert r.status == 2 and r.err.splitlines() == ["jq: no FILTER given", "usage: jq [-rc] FILTER [FILE]"]
    r = sim.run("jq . a b")
    assert r.status == 2 and r.err.startswith("jq: extra operand b\n")
    r = sim.run("jq --help")
    assert r.status == 0 and "keys" in r.out


# fileup


def test_fileup_receives_piped_lines(sim):
    sim.write("/notes.txt", "old\n")
    r = sim.run("printf 'one\\ntwo\\n' | fileup notes.txt", "cat notes.txt",
                "echo x | fileup -q /new.txt", "cat /new.txt")
    assert r.status == 0 and r.err == "", r
    assert r.out == "notes.txt: 8 saved\none\ntwo\nx\n"
    assert not list(sim.flash.rglob("*.part"))


def test_fileup_at_the_terminal(board):
    board.path("/keep.txt").write_text("keep me\n")
    board.send("fileup up.txt\r")
    board.expect("Ctrl-D on a line of its own")
    board.send("first line\rsecond line\r\x04")
    out = board.read_to_prompt()
    assert "up.txt: 23 saved" in out, out
    assert board.path("/up.txt").read_text() == "first line\nsecond line\n"
    # Ctrl-C gives up: the old file stays, no temporary is left
    board.send("fileup keep.txt\r")
    board.expect("Ctrl-D on a line of its own")
    board.send("half\r\x03")
    board.read_to_prompt()
    assert board.run("echo $?") == "130\n"
    assert board.path("/keep.txt").read_text() == "keep me\n"
    assert not board.path("/keep.txt.part").exists()


def test_fileup_is_bounded_and_reads_its_input_to_the_end(sim):
    sim.write("/f.txt", "old\n")
    r = sim.run("printf 'aaaa\\nbbbb\\ncccc\\n' | fileup -m 10 f.txt", "cat f.txt")
    assert r.out == "old\n" and r.status == 0, r
    assert r.err == "fileup: f.txt: larger than 10 bytes: not saved\n"
    assert not list(sim.flash.rglob("*.part"))


def test_fileup_refusals(sim):
    main = sim.path("/main.py").read_bytes()
    r = sim.run("echo x | fileup /main.py", "echo x | fileup /lib/x.py", "mkdir d",
                "echo x | fileup d", "echo x | fileup /nowhere/x")
    assert r.status == 1 and r.out == "", r
    assert r.err.splitlines() == ["fileup: /main.py: part of the system",
                                  "fileup: /lib/x.py: part of the system",
                                  "fileup: d: Is a directory",
                                  "fileup: /nowhere/x: No such file or directory"]
    assert sim.path("/main.py").read_bytes() == main
    r = sim.run("fileup")
    assert r.status == 2 and r.err.splitlines() == ["fileup: no FILE given",
                                                    "usage: fileup [-q] [-m BYTES] FILE"]
    r = sim.run("fileup -m lots x")
    assert r.status == 2 and r.err.startswith("fileup: lots: not a number of bytes\n")


# head -N, as BusyBox and upyOS take it


def test_head_and_tail_take_a_count_as_an_option(sim):
    sim.write("/f.txt", "".join("%d\n" % i for i in range(20)))
    r = sim.run("head -3 f.txt", "tail -2 f.txt", "seq 5 | head -2", "head -0 f.txt",
                "head -n 1 f.txt")
    assert r.status == 0 and r.err == "", r
    assert r.out == "0\n1\n2\n18\n19\n1\n2\n0\n"


@pytest.mark.parametrize("args, message", [("-x f.txt", "unknown option -x"),
                                           ("-n -3 f.txt", "-3: not a number of lines"),
                                           ("-3x f.txt", "unknown option -3")])
def test_head_bad_counts(sim, args, message):
    sim.write("/f.txt", "a\n")
    r = sim.run("head " + args)
    assert r.status == 2 and r.err.splitlines()[0] == "head: " + message, r
