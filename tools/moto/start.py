"""Starts moto (the independent AWS emulator the tests check wsops against)
on an ephemeral loopback port and prints its URL as the first line of stdout.
It stops when its stdin closes, so it never outlives the test process that
started it. moto 5.2.1 is installed with pip on these machines and in CI."""
import logging
import sys

try:
    import moto
    from moto.server import ThreadedMotoServer
except ImportError as err:  # fail loudly: the tests never skip
    sys.stderr.write(f"moto is not installed ({err}); install moto[server]==5.2.1 with pip\n")
    sys.exit(1)

logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log on the tests' stderr
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
host, port = server.get_host_and_port()
sys.stdout.write(f"http://{host}:{port}\n")
sys.stdout.flush()
sys.stderr.write(f"moto {moto.__version__} at http://{host}:{port}\n")
sys.stdin.read()
server.stop()
