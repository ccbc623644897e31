from spor.cli import main

main()
