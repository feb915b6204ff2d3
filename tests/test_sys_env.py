"""System commands about the session: cd, pwd, env, export, unset."""



# cd and pwd

def test_cd_changes_the_working_folder_and_pwd_shows_it(sim):
    r = sim.run("pwd", "cd /etc", "pwd", "cd ..", "pwd", "cd etc", "pwd",
            "cd ../tmp/../etc/.", "pwd", "cd //etc//", "pwd")
    assert r.out == "/\n/etc\n/\n/etc\n/etc\n/etc\n"
    assert r.status == 0


def test_cd_sets_pwd_and_oldpwd_and_goes_back_with_dash(sim):
    r = sim.run("cd /etc", "echo $PWD $OLDPWD", "cd /tmp", "cd -", "pwd")
    assert r.out == "/etc /\n/etc\n/etc\n"
    assert r.status == 0


def test_relative_paths_are_taken_from_the_new_folder(sim):
    sim.path("/etc/sub").mkdir()
    assert sim.run("cd /etc", "cd sub", "pwd").out == "/etc/sub\n"


def test_cd_alone_goes_home(sim):
    assert sim.run("cd /etc", "cd", "pwd").out == "/\n"
    assert sim.run("HOME=/tmp", "cd /etc", "cd", "pwd").out == "/tmp\n"
    assert sim.run("unset HOME", "cd /etc", "cd", "pwd").out == "/\n"


def test_cd_to_a_missing_folder_fails_and_stays(sim):
    r = sim.run("cd /etc", "cd /nope", "echo status=$?", "pwd")
    assert "cd: /nope: No such file or directory\n" in r.err
    assert "status=1\n/etc\n" in r.out


def test_cd_to_a_file_fails(sim):
    r = sim.run("cd /etc/init.sh")
    assert r.status == 1
    assert "cd: /etc/init.sh: Not a directory\n" in r.err


def test_cd_dash_without_a_previous_folder_fails(sim):
    r = sim.run("cd -")
    assert r.status == 1
    assert "cd: OLDPWD not set" in r.err


def test_cd_with_two_folders_is_a_usage_error(sim):
    r = sim.run("cd /etc /tmp")
    assert r.status == 2
    assert r.err == "cd: too many arguments\nusage: cd [-L|-P] [DIR]\n"


def test_pwd_with_an_operand_is_a_usage_error(sim):
    r = sim.run("pwd /")
    assert r.status == 2
    assert "usage: pwd" in r.err


# env

def test_env_lists_every_variable_sorted(sim):
    r = sim.run("ZED=last", "AAA=first", "export MID=m", "env")
    lines = r.out.splitlines()
    assert lines == sorted(lines)
    for line in ("AAA=first", "HOME=/", "MID=m", "PATH=/bin", "ZED=last"):
        assert line in lines
    assert r.status == 0


def test_env_with_an_operand_is_a_usage_error(sim):
    r = sim.run("env ls")
    assert r.status == 2
    assert r.err.startswith("env: extra operand ls\nusage: env")


# export

def test_export_name_equals_value(sim):
    r = sim.run("export A=1 B=x=y C=", "echo $A $B [$C]", "export")
    assert r.out.startswith("1 x=y []\n")
    assert "A=1\nB=x=y\nC=\n" in r.out


def test_export_name_value_upyos_form(sim):
    r = sim.run("export GREETING hello", "echo $GREETING", "export")
    assert r.out.startswith("hello\n")
    assert "GREETING=hello\n" in r.out


def test_export_alone_lists_only_exported_variables_sorted(sim):
    r = sim.run("LOCAL=1", "export ZZ=2 AA=3", "export")
    lines = r.out.splitlines()
    assert lines == sorted(lines)
    assert "AA=3" in lines and "ZZ=2" in lines and "PATH=/bin" in lines
    assert "LOCAL=1" not in lines


def test_export_name_exports_a_session_variable(sim):
    r = sim.run("V=42", "export", "export V", "echo status=$?", "export", "echo $V")
    before, after = r.out.split("status=0\n")
    assert "V=42" not in before
    assert "V=42\n" in after
    assert after.endswith("42\n")


def test_exported_variables_reach_other_sessions(sim):
    # A session of its own, as a socket would get: it sees the exported
    # variable, not the console's own one.
    r = sim.run(
        "MINE=no",
        "export SHARED=yes",
        "> import session",
        "> s = session.Session('other', None, None, None)",
        "< (s.getenv('SHARED'), s.getenv('MINE'))",
    )
    assert r.out == "('yes', None)\n"


def test_export_of_an_unset_variable_fails(sim):
    r = sim.run("export NOPE")
    assert r.status == 1
    assert "export: NOPE: not set" in r.err


def test_export_rejects_bad_names_and_keeps_going(sim):
    r = sim.run("export 1A=x GOOD=1 B-C=2 =z", "echo status=$? $GOOD")
    text = r.err
    assert "export: 1A: not a valid name" in text
    assert "export: B-C: not a valid name" in text
    assert "export: =z: not a valid name" in text
    assert "status=1 1\n" in r.out
    r = sim.run("export 9 x")
    assert r.status == 1
    assert "export: 9: not a valid name" in r.err


def test_export_bad_option_is_a_usage_error(sim):
    r = sim.run("export -q A=1")
    assert r.status == 2
    assert "export: unknown option -q\nusage: export" in r.err


# unset

def test_unset_removes_session_and_exported_variables(sim):
    r = sim.run("A=1", "export B=2", "unset A B", "echo [$A$B]", "env", "export")
    assert r.out.startswith("[]\n")
    assert "A=1" not in r.out and "B=2" not in r.out
    assert r.status == 0


def test_unset_of_a_missing_variable_is_fine(sim):
    assert sim.run("unset NOTHING").status == 0


def test_unset_bad_name_fails_but_unsets_the_rest(sim):
    r = sim.run("A=1", "unset 1x A", "echo status=$? [$A]")
    assert "unset: 1x: not a valid name" in r.err
    assert "status=1 []\n" in r.out


def test_unset_without_a_name_is_a_usage_error(sim):
    r = sim.run("unset")
    assert r.status == 2
    assert r.err == "unset: missing NAME\nusage: unset [-v|-f] NAME...\n"
