process\("/.*/testsuite/progs/uprobe_prog"\)\.plt\("strlen"\)
exit from uprobe_prog
