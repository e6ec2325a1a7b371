from infomachine.cli import main

main()
