/// The reconciling controller: the pure planner, the executor, the work queue and reconcile
/// loop, the HTTP API and its auth.
public enum Controller {}
