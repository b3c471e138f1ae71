import State

// The Engine API's JSON, field for field. Property names mirror Docker's so the Codable
// synthesis stays trivial; nothing outside the Docker folder sees these types.

struct DockerVersionWire: Decodable {
    var Version: String
    var ApiVersion: String
    var MinAPIVersion: String?
}

struct DockerErrorWire: Decodable {
    var message: String
}

struct DockerIDWire: Decodable {
    var Id: String
}

struct DockerSummaryWire: Decodable {
    struct Port: Decodable {
        var IP: String?
        var PrivatePort: Int
        var PublicPort: Int?
        var `Type`: String
    }

    var Id: String
    var Names: [String]?
    var Image: String
    var Labels: [String: String]?
    var State: String
    var Status: String?
    var Ports: [Port]?
    var NetworkSettings: DockerInspectWire.NetworkSettings?
}

struct DockerInspectWire: Decodable {
    struct Config: Decodable {
        var Image: String
        var Labels: [String: String]?
    }

    struct State: Decodable {
        struct Health: Decodable {
            var Status: String
        }

        var Status: String
        var ExitCode: Int?
        var OOMKilled: Bool?
        var Health: Health?
    }

    struct HostConfig: Decodable {
        struct RestartPolicy: Decodable {
            var Name: String?
        }

        var Memory: Int64?
        var NanoCpus: Int64?
        var RestartPolicy: RestartPolicy?
        var PidsLimit: Int64?
        var SecurityOpt: [String]?
        var CapDrop: [String]?
    }

    struct NetworkSettings: Decodable {
        struct Binding: Decodable {
            var HostIp: String?
            var HostPort: String?
        }

        struct Endpoint: Decodable {
            var IPAddress: String?
        }

        var Ports: [String: [Binding]?]?
        var Networks: [String: Endpoint]?
    }

    var Id: String
    var Name: String
    var Config: Config
    var State: State
    var HostConfig: HostConfig?
    var NetworkSettings: NetworkSettings?
}

/// The part of `GET /images/{name}/json` codeb reads.
struct DockerImageWire: Decodable {
    var Id: String
}

struct DockerCreateWire: Encodable {
    struct HostConfig: Encodable {
        struct Binding: Encodable {
            var HostIp: String
            var HostPort: String
        }

        struct RestartPolicy: Encodable {
            var Name: String
        }

        struct LogConfig: Encodable {
            var `Type`: String
            var Config: [String: String]
        }

        var PortBindings: [String: [Binding]]
        var NetworkMode: String?
        var Memory: Int64
        var NanoCpus: Int64
        var PidsLimit: Int64
        /// A process cannot gain privileges it did not start with (setuid binaries, file caps).
        var SecurityOpt: [String]
        /// Docker's default capabilities less these: NET_RAW lets a container forge packets
        /// and spoof its neighbours on the team bridge (ARP, raw IP).
        var CapDrop: [String]
        struct Mount: Encodable {
            var `Type`: String
            var Source: String
            var Target: String
        }

        var RestartPolicy: RestartPolicy
        var Init: Bool
        var LogConfig: LogConfig
        /// A backing service's named volume.
        var Mounts: [Mount]?
    }

    struct Empty: Encodable {}

    struct NetworkingConfig: Encodable {
        struct Endpoint: Encodable {
            var NetworkID: String
            /// The names it answers to on that network (a backing service's).
            var Aliases: [String]?
        }

        var EndpointsConfig: [String: Endpoint]
    }

    var Image: String
    var Cmd: [String]?
    var Env: [String]
    var Labels: [String: String]
    var ExposedPorts: [String: Empty]
    var StopTimeout: Int
    var HostConfig: HostConfig
    /// The team network by name and ID: the container lists it by name, and attaches to that
    /// very network even while the name (briefly) stands for two.
    var NetworkingConfig: NetworkingConfig?
}

struct DockerEventWire: Decodable {
    struct Actor: Decodable {
        var ID: String?
        var Attributes: [String: String]?
    }

    var `Type`: String?
    var Action: String?
    var id: String?
    var Actor: Actor?
    var time: Int64?
    var timeNano: Int64?
}

struct DockerPullLineWire: Decodable {
    struct ErrorDetail: Decodable {
        var message: String?
    }

    struct ProgressDetail: Decodable {
        var current: Int64?
        var total: Int64?
    }

    var error: String?
    var errorDetail: ErrorDetail?
    var status: String?
    var id: String?
    var progressDetail: ProgressDetail?
}

struct DockerNetworkCreateWire: Encodable {
    var Name: String
    var Driver: String
    var CheckDuplicate: Bool
    var Internal: Bool
    var Labels: [String: String]
}

struct DockerNetworkWire: Decodable {
    var Id: String
    var Name: String
    var Created: String?
    var Labels: [String: String]?
}

struct DockerVolumeCreateWire: Encodable {
    var Name: String
    var Labels: [String: String]
}

struct DockerVolumeWire: Decodable {
    var Name: String
    var Labels: [String: String]?
    var CreatedAt: String?
}

struct DockerVolumeListWire: Decodable {
    var Volumes: [DockerVolumeWire]?
}
