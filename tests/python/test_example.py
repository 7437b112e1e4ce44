# SPDX-License-Identifier: LGPL-2.1-or-later
"""The Python example (examples/python/heartbeat.py) runs with one command, shows its
services starting, recovering and stopping in reverse order, and exits with status 0."""

import os
import subprocess
import sys
import unittest

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir,
                       'examples', 'python', 'heartbeat.py')


class ExampleTest(unittest.TestCase):
    def test_runs_and_stops_in_order(self):
        env = dict(os.environ)
        # The example imports gi.overrides from sys.path like an installed program would
        overrides = os.environ['SD_TEST_OVERRIDES_DIR']
        env['PYTHONPATH'] = os.path.dirname(os.path.dirname(overrides))
        env['SD_EXAMPLE_TICK_MS'] = '150'

        result = subprocess.run([sys.executable, EXAMPLE, '--duration', '2'], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                timeout=60, check=False)
        lines = result.stdout.splitlines()
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

        def index(text):
            matches = [i for i, line in enumerate(lines) if text in line]
            self.assertTrue(matches, 'no line contains %r in:\n%s' % (text, result.stdout))
            return matches[0]

        ready = index('== all services started')
        index('ticker: tick 1 (every 150 ms)')
        index('flaky: recovered (the previous generation said: RuntimeError: the upstream is not there yet)')
        elapsed = index('== duration elapsed')
        ticker_stop = index('ticker: stopping after')
        heartbeat_stop = index('heartbeat: stopping')
        stopped = index('== all services stopped ==')

        self.assertLess(ready, elapsed)
        # default priority stops before storage priority
        self.assertLess(ticker_stop, heartbeat_stop)
        self.assertLess(heartbeat_stop, stopped)


if __name__ == '__main__':
    unittest.main()
