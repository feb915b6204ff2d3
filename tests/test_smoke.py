def test_echo_through_pipe(sim):
    done = sim("echo hi there")
    assert done.returncode == 0
    assert done.stdout.endswith("hi there\n")


def test_prompt_on_console(board):
    assert board.run("echo hi") == "hi\n"
