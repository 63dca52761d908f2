"""The application built on the ``nn`` library: ``chainrule mnist`` and ``chainrule predict``.

What only the application needs lives here: numbered run folders and their lock
(:mod:`nn.apps.run_folder`), the checked settings of a run (:mod:`nn.apps.mnist_settings`),
PNG input (:mod:`nn.apps.png`) and SVG training curves (:mod:`nn.apps.plot`). The library
(:mod:`nn`) never imports this package; :mod:`nn.apps.cli` is the ``chainrule`` entry point.
"""
