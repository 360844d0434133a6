# testsuite: files are listed here as they land.

# testsuite/suites/run-bpf.sh keeps its build cache in the build tree.
clean-local: runtime-cache-clean
runtime-cache-clean:
	rm -rf testsuite/runtime-cache
.PHONY: runtime-cache-clean
