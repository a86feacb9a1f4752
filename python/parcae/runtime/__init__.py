"""parcae's reference elastic runtime: parcae's decisions executed on real worker processes.

etcd (membership under leases, decisions, the controller's state) + torch.distributed (gloo on
CPU): d pipelines of p stages of a small float64 MLP on synthetic samples with a fixed global
batch. Modules: ``store`` (etcd keys, a private etcd), ``policy`` (decide: target, placements,
fetches, kind; the parcae Controller and reactive policies), ``controller`` (the controller
process), ``worker`` (one instance), ``launch`` (start and stop a whole job on loopback),
``replay`` (a bundled trace replayed time-compressed, next to parcae sim), ``calibrate`` (the
profile's restart terms measured or fitted for this runtime), ``model``. Design and measurements: docs/runtime.md.

Needs the optional Debian packages etcd-server, python3-etcd3 and python3-torch; ``import parcae``
never imports this package.
"""
