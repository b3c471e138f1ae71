// Clients of the drivers use the state model and the seam protocols they implement.
@_exported import State
