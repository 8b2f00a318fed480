"""hotline: an open-source contact-center platform.

Data flows one way: channel -> contact -> router -> agent -> outcome. The routing core
(`hotline.routing`) is pure and clock-driven so the live server and the simulator share it.
"""

__version__ = "0.1.0"
