import MRABatKit
print(MRABat.version)
