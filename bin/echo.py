USAGE = """[-n] [WORD...]
  Only a first -n is an option (no newline at the end): anything else,
  such as -4 or --help after a word, is printed as it is."""
ABOUT = "print the words, separated by one space"


def __main__(args):
    if args[:1] == ["--help"]:
        import cmdargs
        raise cmdargs.Help()
    newline = args[:1] != ["-n"]
    words = args if newline else args[1:]
    print(" ".join(words), end="\n" if newline else "")
