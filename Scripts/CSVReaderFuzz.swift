// libFuzzer target for the CSV reader: built by `Scripts/fuzz-csv` together with the reader's
// sources (one module, so the internal buffer-size initialiser is reachable), not by SwiftPM.

/// One input: the first byte picks the chunk size and whether the encoding is detected or forced,
/// the rest is the file. Properties: no crash, no hang, errors are MRABatErrors of the reader's
/// kinds with a line, and no field holds more UTF-8 than 3 bytes per input byte.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let control = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let chunkSizes = [1, 2, 3, 4, 7, 13, 64, 4096]
    let chunkSize = chunkSizes[Int(control & 0x07)]
    let encodings = TextEncoding.allCases
    do {
        var probe = MemoryByteSource(bytes: bytes, chunkSize: chunkSize)
        let encoding =
            control & 0x08 == 0
            ? try TextEncoding.detect(source: &probe) : encodings[Int(control >> 4) % encodings.count]
        var reader = try CSVReader(
            source: MemoryByteSource(bytes: bytes, chunkSize: chunkSize), encoding: encoding, delimiter: nil,
            file: "fuzz.csv", bufferSize: max(4, chunkSize))
        var total = 0
        while let record = try reader.next() {
            for field in record.fields { total += field.utf8.count }
            precondition(total <= 3 * bytes.count, "fields hold \(total) bytes from \(bytes.count) input bytes")
        }
    } catch let error as MRABatError {
        precondition(error.code == .csvSyntax || error.code == .encoding, "unexpected error kind: \(error)")
        precondition(error.location?.line != nil, "error without a line: \(error)")
    } catch {
        preconditionFailure("not an MRABatError: \(error)")
    }
    return 0
}
