/// The columns of Cisco's BAT phone files that mrabat knows but does not use: a file that has them
/// (an "Export Phones – All Details" file has some 200) gets one summary line, not a warning each.
///
/// Sources: the "Export the Fields for All Phone Details Option" list of Cisco's *Bulk Administration
/// Guide for Cisco Unified Communications Manager, Release 15*; the header of a real Unified CM 11/12
/// All-Details export (`Tests/MRABatKitTests/Fixtures/BAT/cucm-export-all-details.csv`), which names
/// several fields differently (`Phone Button Template` for `Phone Template`, `Device Security Profile`
/// for `Security Profile`); and the guide's default phone file format (`FORWARD BUSY EXTERNAL 1`,
/// `SPEED DIAL NUMBER 1`, …). Names match as header names do (``BATHeader/fold(_:)``).
package enum KnownBATColumns {
    /// Device-level columns, written as the sources write them.
    static let deviceNames: [String] = [
        "Phone Template", "AAR CSS", "Extension Mobility", "Network Locale", "Media Resource Group List",
        "User Hold Audio Source", "Network Hold Audio Source", "Device User Locale", "Signal Packet Capture Mode",
        "Packet Capture Duration", "Built in Bridge", "Privacy", "Retry Video Call as Audio",
        "Ignore Presentation Indicators", "Softkey Template", "Module 1", "Module 2", "Phone Load Name",
        "Module 1 Load Name", "Module 2 Load Name", "Information", "Directory", "Messages", "Services",
        "Authentication Server", "Proxy Server", "Idle", "Idle Timer", "MLPP Indication", "MLPP Preemption",
        "MLPP Domain", "Common Profile", "Allow CTI Control Flag", "Device Presence Group", "Security Profile",
        "Device Subscribe CSS", "Unattended Port", "Require DTMF Reception", "RFC2833 Disabled",
        "Certificate Operation", "Authentication String", "Certification Operation Completion Time",
        "Device Protocol", "Secure Shell User", "Secure Shell Password", "XML", "Dial Rules", "CSS Reroute",
        "CSS Refer", "DTMF Signalling", "Default DTMF Capability", "SIP Profile", "SIPCodec_MTPPreferredOrigCodec",
        "Logout Profile", "MTP Required", "Digest User", "Always Use Prime Line",
        "Always Use Prime Line for Voice Messages", "Geo Location", "Phone Button Template",
        "User Hold MOH Audio Source", "Network Hold MOH Audio Source", "Packet Capture Mode",
        "Common Phone Profile", "Device Security Profile", "Operation Completes By",
        "Rerouting Calling Search Space", "MTP Preferred Originating Codec", "Signaling Port",
        "Outgoing Caller ID Pattern", "Calling Party Selection", "Calling Party Presentation",
        "Display IE Delivery", "Redirecting Number IE Delivery Outbound", "Redirecting Number IE Delivery Inbound",
        "Gatekeeper Name", "E.164", "Technology Prefix", "Zone", "Motorola WSM Connection",
        "Subscriber Cellular Number", "Follow me only when caller has dialed cellular num",
        "Disable Application Dial Rules", "AAR Group", "Logged Into Hunt Group", "Remote Device",
        "Device Mobility Mode", "Common Device Configuration", "Mobility User ID", "DND Option",
        "DND Incoming Call Alert", "Do Not Disturb", "Join Across Lines", "Single Button Barge",
        "BLF Audible Alert Setting (Phone Idle)", "BLF Audible Alert Setting (Phone Busy)",
        "Calling Party Transformation CSS", "Use Trusted Relay Point", "Services Provisioning",
        "Mobile Smart Client Profile", "Outbound Call Rollover", "Phone Personalization", "Protected Device",
        "Primary Phone", "Always Use Prime Line for Voice Message", "SRTP Allowed", "Feature Control Policy",
        "Module 3", "Module 3 Load Name", "Mobility Identity Name", "Mobility Identity Destination Number",
        "Mobility Identity Answer Too Soon Timer", "Mobility Identity Answer Too Late Timer",
        "Mobility Identity Delay Before Ringing Cell", "Mobility Identity Time of Day Access",
        "Mobility Identity Time Zone", "Mobility Identity Is Mobile Phone",
        "Mobility Identity Enable Mobile Connect",
    ]

    /// Numbered columns (per line, speed dial, service or BLF), without their number: `Forward All CSS`
    /// is `Forward All CSS 1`, `Forward All CSS 2`, …; `User ID` here is `USER ID 2` and later (the
    /// first associated user is ``BATColumn/userID``).
    static let indexedStems: [String] = [
        "Voice Mail Profile", "Line CSS", "AAR Group(Line)", "Line User Hold MOH Audio Source",
        "Line Network Hold MOH Audio Source", "Auto Answer", "Forward All Voice Mail", "Forward All Destination",
        "Forward All CSS", "Forward Busy Internal Voice Mail", "Forward Busy Internal Destination",
        "Forward Busy Internal CSS", "Forward Busy External Voice Mail", "Forward Busy External Destination",
        "Forward Busy External CSS", "Forward No Answer Internal Voice Mail",
        "Forward No Answer Internal Destination", "Forward No Answer Internal CSS",
        "Forward No Answer External Voice Mail", "Forward No Answer External Destination",
        "Forward No Answer External CSS", "Forward No Coverage Internal Voice Mail",
        "Forward No Coverage Internal Destination", "Forward No Coverage Internal CSS",
        "Forward No Coverage External Voice Mail", "Forward No Coverage External Destination",
        "Forward No Coverage External CSS", "Forward No Answer Ring Duration", "Call Pickup Group", "MLPP Target",
        "MLPP CSS", "MLPP No Answer Ring Duration", "Visual Message Waiting Indicator Policy", "Caller Name",
        "Caller Number", "Redirected Number", "Dialed Number", "Line Description", "Alerting Name",
        "ASCII Alerting Name", "Line Presence Group", "Secondary CSS for Forward All",
        "Forward on CTI Failure Voice Mail", "Forward on CTI Failure Destination", "Forward on CTI Failure CSS",
        "AAR Destination Mask", "AAR Voice Mail", "Forward Unregistered Internal Voice Mail",
        "Forward Unregistered Internal Destination", "Forward Unregistered Internal CSS",
        "Forward Unregistered External Voice Mail", "Forward Unregistered External Destination",
        "Forward Unregistered External CSS", "Hold Reversion Ring Duration", "Hold Reversion Notification Interval",
        "Retain this destination in call forwarding history", "Audible Message Waiting Indicator Policy",
        "Call Recording Option", "Recording Profile", "Monitoring Calling Search Space",
        "Calling Search Space Activation Policy", "Allow Control of Device from CTI",
        "CPG Audio Alert Setting(Phone Idle)", "CPG Audio Alert Setting(Phone Active)",
        "Park Monitor Forward No Retrieve Ext Voice Mail", "Park Monitor Forward No Retrieve Ext CSS",
        "Park Monitor Forward No Retrieve Int CSS", "Park Monitoring Reversion Timer",
        "Park Monitor Forward No Retrieve Ext Destination", "Park Monitor Forward No Retrieve Int Destination",
        "Park Monitor Forward No Retrieve Int Voice Mail", "Party Entrance Tone", "Log Missed Calls", "AAR Group",
        "Line User Hold Audio Source", "Line Network Hold Audio Source", "Message Waiting Lamp Policy",
        "Alerting Name ASCII", "Park Monitor Reversion Timer", "Speed Dial Number", "Speed Dial Label",
        "Speed Dial Label ASCII", "Service Name", "Subscribed Service Name", "Subscribed Service Name ASCII",
        "Parameter Name", "Parameter Value", "Busy Lamp Field Destination", "Busy Lamp Field Directory Number",
        "Busy Lamp Field Label", "Busy Lamp Field Label ASCII", "Forward Busy External",
        "Forward No Answer External", "Forward No Coverage External", "Forward Busy Internal",
        "Forward No Answer Internal", "Forward No Coverage Internal", "User ID",
    ]

    private static let foldedDeviceNames = Set(deviceNames.map(BATHeader.fold))
    private static let foldedStems = Set(indexedStems.map(BATHeader.fold))

    /// Whether `name` is a BAT column mrabat does not use.
    package static func contains(_ name: String) -> Bool {
        let folded = BATHeader.fold(name)
        if foldedDeviceNames.contains(folded) { return true }
        guard let split = BATHeader.splitIndex(folded) else { return false }
        return foldedStems.contains(split.stem)
    }

    /// Every known name, for "did you mean" hints (numbered ones as number 1).
    static var allNames: [String] { deviceNames + indexedStems.map { "\($0) 1" } }
}
