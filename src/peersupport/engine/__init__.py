"""The session engine, one concern per module, in the order of the flow.

action -> checks -> event -> apply -> notify:

* :mod:`~peersupport.engine.session`: the actions (the public API);
  :mod:`~peersupport.engine.turns`, :mod:`~peersupport.engine.presence` and
  :mod:`~peersupport.engine.facilitation`: each action's checks (turns;
  arriving, leaving and consent; the facilitator's);
* :mod:`~peersupport.engine.checks`: who may act, with the check ids;
  :mod:`~peersupport.engine.policies`: turn policies;
  :mod:`~peersupport.engine.rules`: every rule, always-on ones included;
* :mod:`~peersupport.engine.events`: the event; :mod:`~peersupport.engine.kinds`:
  the one table of event kinds; :mod:`~peersupport.engine.log`: JSON Lines;
* :mod:`~peersupport.engine.ledger`: the commit (atomic), the clock, the hooks;
  :mod:`~peersupport.engine.fold`: state from events;
  :mod:`~peersupport.engine.floor`: the floor and rounds;
  :mod:`~peersupport.engine.deadlines`: limits, budgets, the next deadline;
* :mod:`~peersupport.engine.restore`: restore (a fold of the log);
  :mod:`~peersupport.engine.verify`: re-enactment;
* :mod:`~peersupport.engine.chart` and :mod:`~peersupport.engine.format`: formats;
  :mod:`~peersupport.engine.state`: snapshots and the view hooks get.

Import the public names from :mod:`peersupport`.
"""
