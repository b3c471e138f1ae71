// Clients of the controller (the CLI, tests, benchmarks) read the API's types from here too.
@_exported import APIModel
