#!/usr/bin/env python3
"""What a load costs in CPU, for run_benchmarks.sh's "CPU ms per 1,000 requests" columns.

  cpucost.py SANDBOX -- CMD...   runs CMD (its output passes through) and writes to stderr one line
                                 "cpu: CLIENT_S SERVERS_S": the CPU seconds (user + system) CMD and
                                 its children used, and those the sandbox's postgres and redis-server
                                 processes used meanwhile.
  cpucost.py SANDBOX             prints the servers' CPU seconds so far.

The servers are the sandbox's postmaster (postgres/postmaster.pid) with its children, whose exited
backends are counted in the postmaster's reaped-children time, and its redis-server (redis/redis.pid).
"""
import os
import resource
import subprocess
import sys

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    try:
        text = open(f"/proc/{pid}/stat").read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    # fields[1] is ppid; [11..14] utime, stime, cutime, cstime
    return int(fields[1]), sum(int(x) for x in fields[11:15])


def pid_in(path):
    try:
        return int(open(path).readline().strip())
    except (OSError, ValueError):
        return None


def servers(sandbox):
    postmaster = pid_in(os.path.join(sandbox, "pg", "postmaster.pid"))
    redis = pid_in(os.path.join(sandbox, "redis", "redis.pid"))
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        s = stat(pid)
        if s and (pid in (postmaster, redis) or s[0] == postmaster):
            ticks += s[1]
    return ticks / TICK


def main():
    sandbox = sys.argv[1]
    if len(sys.argv) == 2:
        print(round(servers(sandbox), 3))
        return 0
    command = sys.argv[sys.argv.index("--") + 1:]
    before_servers = servers(sandbox)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    code = subprocess.call(command)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"cpu: {client:.3f} {servers(sandbox) - before_servers:.3f}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
