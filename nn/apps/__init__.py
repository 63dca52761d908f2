"""The application built on the library: ``chainrule mnist``, ``predict`` and ``playground``.

What only the application needs lives here: numbered run folders and their lock
(:mod:`nn.apps.run_folder`), the checked settings of a run (:mod:`nn.apps.mnist_settings`),
PNG input (:mod:`nn.apps.png`), SVG training curves (:mod:`nn.apps.plot`), and the browser
playground's site and server (:mod:`nn.apps.playground_site`, :mod:`nn.apps.playground_cli`,
:mod:`nn.apps.moons_demo`). The library (:mod:`nn`) never imports this package;
:mod:`nn.apps.cli` is the ``chainrule`` entry point.
"""
