import cmdargs

USAGE = "[-n] [WORD...]"
ABOUT = "print the words, separated by one space"


def __main__(args):
    opts, words = cmdargs.parse(args, "n")
    print(" ".join(words), end="" if "n" in opts else "\n")
