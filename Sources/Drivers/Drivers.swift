/// Real adapters between the controller and the outside world — Docker's Engine API, Caddy,
/// the state stores and the HTTP health probe — one folder per technology. The controller
/// sees them only through the protocols it declares at each seam.
public enum Drivers {}
