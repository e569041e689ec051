"""The test settings: the service's own, in development mode (said explicitly, as `make run` says it), for this
process and every server, worker or command a test starts."""
import os

os.environ["GREENSHIELD_ENV"] = "development"

from config.settings import *  # noqa: E402,F403
