"""A private network namespace for partition tests, and TCP forwarders into it.

``Netns`` creates a namespace with a veth pair (host side 10.213.N.1/30,
namespace side 10.213.N.2/30) — addresses that exist only between this host
and the namespace the test made itself; nothing else is ever addressed. The
stack's NATS and PostgreSQL listen on 127.0.0.1 only, so ``Forwarder`` relays
host-side 10.213.N.1:PORT to them; a daemon in the namespace reaches them
through the veth, where ``block()`` cuts one port with iptables *inside the
namespace* (both directions) and ``unblock()`` heals it.
"""

import os
import random
import socket
import subprocess
import threading


def sh(*cmd):
    subprocess.run(cmd, check=True, capture_output=True, timeout=20)


def remove_stale():
    """Namespaces left by an earlier run that was killed (its pid is gone)."""
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        name = line.split()[0] if line.strip() else ""
        if name.startswith("echofault") and "x" in name:
            pid, _, nid = name[len("echofault"):].partition("x")
            if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                subprocess.run(["ip", "netns", "del", name], capture_output=True)
                subprocess.run(["ip", "link", "del", f"efh{nid}"], capture_output=True)


class Netns:
    def __init__(self):
        remove_stale()
        self.id = random.randint(1, 250)
        self.name = f"echofault{os.getpid()}x{self.id}"
        self.host_if, self.ns_if = f"efh{self.id}", f"efn{self.id}"
        self.host_ip, self.ns_ip = f"10.213.{self.id}.1", f"10.213.{self.id}.2"
        sh("ip", "netns", "add", self.name)
        try:
            sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            sh("ip", "link", "set", self.ns_if, "netns", self.name)
            sh("ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
            sh("ip", "link", "set", self.host_if, "up")
            self.ns("ip", "link", "set", "lo", "up")
            self.ns("ip", "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if)
            self.ns("ip", "link", "set", self.ns_if, "up")
        except Exception:
            self.close()
            raise

    def ns(self, *cmd):
        sh("ip", "netns", "exec", self.name, *cmd)

    def exec_prefix(self):
        return ["ip", "netns", "exec", self.name]

    def _rules(self, op, port):
        self.ns("iptables", op, "OUTPUT", "-p", "tcp", "-d", self.host_ip, "--dport", str(port), "-j", "DROP")
        self.ns("iptables", op, "INPUT", "-p", "tcp", "-s", self.host_ip, "--sport", str(port), "-j", "DROP")

    def block(self, port):
        """Silently drop every packet to and from host_ip:port (a partition, not a reset)."""
        self._rules("-A", port)

    def unblock(self, port):
        self._rules("-D", port)

    def close(self):
        # Deleting the namespace destroys its end of the veth and so the pair.
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, timeout=20)
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True, timeout=20)


class Forwarder(threading.Thread):
    """listen_host:ephemeral -> 127.0.0.1:target_port, one thread pair per connection."""

    def __init__(self, listen_host, target_port):
        super().__init__(daemon=True, name=f"fwd-{target_port}")
        self.target_port = target_port
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind((listen_host, 0))
        self.srv.listen(64)
        self.port = self.srv.getsockname()[1]
        self.conns = []
        self.closing = False
        self.start()

    def run(self):
        while not self.closing:
            try:
                a, _ = self.srv.accept()
            except OSError:
                return
            try:
                b = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                b.settimeout(None)
            except OSError:
                a.close()
                continue
            self.conns += [a, b]
            for src, dst in ((a, b), (b, a)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.closing = True
        self.srv.close()
        for s in self.conns:
            try:
                s.close()
            except OSError:
                pass
