# The common envelope of every suite's JSON (docs/BENCH_JSON.md): required
# keys and types.  Included by tests/bench/*.sh: envelope("SUITE").
def envelope($s):
	.schema == 1 and .suite == $s and (.quick | type) == "boolean" and
	(.started | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$")) and
	(.seconds | type) == "number" and (.command | type) == "string" and
	(.machine | type) == "object" and
	(.machine.hostname | type) == "string" and
	(.machine.kernel | type) == "string" and
	(.machine.arch | type) == "string" and
	(.machine.cpu | type) == "string" and
	(.machine.cpus | type) == "number" and
	(.machine.memory_bytes | type) == "number" and
	(.machine.load_start | type) == "number" and
	(.machine.load_end | type) == "number" and
	(.skipped == null or (.skipped | type) == "string") and
	(.targets | type) == "array" and
	all(.targets[]; (.name | type) == "string" and
	    (.measured | type) == "number" and
	    (.op == ">=" or .op == "<=" or .op == "+-") and
	    (.target | type) == "number" and (.unit | type) == "string" and
	    (.ok | type) == "boolean") and
	(.pass | type) == "boolean" and
	(.skipped != null or .pass == all(.targets[]; .ok)) and
	(.results | type) == "object";
