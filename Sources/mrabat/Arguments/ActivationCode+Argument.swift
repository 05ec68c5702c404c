import ArgumentParser
import MRABatKit

/// `--code`: 16 digits as a person types them, spaces and dashes allowed (`1234-5678 9012-3456`).
extension ActivationCode: ExpressibleByArgument {
    package init?(argument: String) {
        self.init(userInput: argument)
    }
}
