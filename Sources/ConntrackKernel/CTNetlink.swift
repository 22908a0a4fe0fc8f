// Numbers of linux/netfilter/nfnetlink.h, nfnetlink_conntrack.h and
// nfnetlink_compat.h, by the kernel's names (the Glibc module does not export them).

/// ctnetlink message types and attribute numbers.
enum CT {
    // nfnetlink subsystems (high byte of nlmsg_type)
    static let subsysConntrack: UInt16 = 1      // NFNL_SUBSYS_CTNETLINK
    static let subsysExpect: UInt16 = 2         // NFNL_SUBSYS_CTNETLINK_EXP

    // enum cntl_msg_types
    static let new: UInt16 = 0                  // IPCTNL_MSG_CT_NEW
    static let get: UInt16 = 1                  // IPCTNL_MSG_CT_GET
    static let delete: UInt16 = 2               // IPCTNL_MSG_CT_DELETE
    static let getCtrZero: UInt16 = 3           // IPCTNL_MSG_CT_GET_CTRZERO
    static let getStatsCPU: UInt16 = 4          // IPCTNL_MSG_CT_GET_STATS_CPU
    static let getStats: UInt16 = 5             // IPCTNL_MSG_CT_GET_STATS
    static let getDying: UInt16 = 6             // IPCTNL_MSG_CT_GET_DYING
    static let getUnconfirmed: UInt16 = 7       // IPCTNL_MSG_CT_GET_UNCONFIRMED

    // enum ctnl_exp_msg_types
    static let expNew: UInt16 = 0               // IPCTNL_MSG_EXP_NEW
    static let expGet: UInt16 = 1               // IPCTNL_MSG_EXP_GET
    static let expDelete: UInt16 = 2            // IPCTNL_MSG_EXP_DELETE
    static let expGetStatsCPU: UInt16 = 3       // IPCTNL_MSG_EXP_GET_STATS_CPU

    static func type(_ subsys: UInt16, _ msg: UInt16) -> UInt16 { subsys << 8 | msg }

    // enum ctattr_type
    static let tupleOrig: UInt16 = 1
    static let tupleReply: UInt16 = 2
    static let status: UInt16 = 3
    static let protoinfo: UInt16 = 4
    static let help: UInt16 = 5
    static let natSrc: UInt16 = 6
    static let timeout: UInt16 = 7
    static let mark: UInt16 = 8
    static let countersOrig: UInt16 = 9
    static let countersReply: UInt16 = 10
    static let use: UInt16 = 11
    static let id: UInt16 = 12
    static let natDst: UInt16 = 13
    static let tupleMaster: UInt16 = 14
    static let seqAdjOrig: UInt16 = 15
    static let seqAdjReply: UInt16 = 16
    static let secmark: UInt16 = 17
    static let zone: UInt16 = 18
    static let secctx: UInt16 = 19
    static let timestamp: UInt16 = 20
    static let markMask: UInt16 = 21
    static let labels: UInt16 = 22
    static let labelsMask: UInt16 = 23
    static let synproxy: UInt16 = 24
    static let filter: UInt16 = 25
    static let statusMask: UInt16 = 26

    // enum ctattr_tuple
    static let tupleIP: UInt16 = 1
    static let tupleProto: UInt16 = 2
    static let tupleZone: UInt16 = 3
    // enum ctattr_ip
    static let ipV4Src: UInt16 = 1
    static let ipV4Dst: UInt16 = 2
    static let ipV6Src: UInt16 = 3
    static let ipV6Dst: UInt16 = 4
    // enum ctattr_l4proto
    static let protoNum: UInt16 = 1
    static let protoSrcPort: UInt16 = 2
    static let protoDstPort: UInt16 = 3
    static let protoICMPID: UInt16 = 4
    static let protoICMPType: UInt16 = 5
    static let protoICMPCode: UInt16 = 6
    static let protoICMPv6ID: UInt16 = 7
    static let protoICMPv6Type: UInt16 = 8
    static let protoICMPv6Code: UInt16 = 9
    // enum ctattr_protoinfo
    static let protoinfoTCP: UInt16 = 1
    static let protoinfoDCCP: UInt16 = 2
    static let protoinfoSCTP: UInt16 = 3
    // enum ctattr_protoinfo_tcp
    static let tcpState: UInt16 = 1
    static let tcpWscaleOrig: UInt16 = 2
    static let tcpWscaleReply: UInt16 = 3
    static let tcpFlagsOrig: UInt16 = 4
    static let tcpFlagsReply: UInt16 = 5
    // enum ctattr_protoinfo_dccp
    static let dccpState: UInt16 = 1
    static let dccpRole: UInt16 = 2
    static let dccpHandshakeSeq: UInt16 = 3
    // enum ctattr_protoinfo_sctp
    static let sctpState: UInt16 = 1
    static let sctpVtagOrig: UInt16 = 2
    static let sctpVtagReply: UInt16 = 3
    // enum ctattr_counters
    static let countersPackets: UInt16 = 1
    static let countersBytes: UInt16 = 2
    static let counters32Packets: UInt16 = 3
    static let counters32Bytes: UInt16 = 4
    // enum ctattr_tstamp
    static let timestampStart: UInt16 = 1
    static let timestampStop: UInt16 = 2
    // enum ctattr_help
    static let helpName: UInt16 = 1
    static let helpInfo: UInt16 = 2
    // enum ctattr_secctx
    static let secctxName: UInt16 = 1
    // enum ctattr_seqadj
    static let seqAdjCorrectionPos: UInt16 = 1
    static let seqAdjOffsetBefore: UInt16 = 2
    static let seqAdjOffsetAfter: UInt16 = 3
    // enum ctattr_synproxy
    static let synproxyISN: UInt16 = 1
    static let synproxyITS: UInt16 = 2
    static let synproxyTSOFF: UInt16 = 3
    // enum ctattr_nat
    static let natV4MinIP: UInt16 = 1
    static let natV4MaxIP: UInt16 = 2
    static let natProto: UInt16 = 3
    static let natV6MinIP: UInt16 = 4
    static let natV6MaxIP: UInt16 = 5
    // enum ctattr_protonat
    static let protoNATPortMin: UInt16 = 1
    static let protoNATPortMax: UInt16 = 2
    // enum ctattr_filter
    static let filterOrigFlags: UInt16 = 1
    static let filterReplyFlags: UInt16 = 2

    // enum ctattr_expect
    static let expMaster: UInt16 = 1
    static let expTuple: UInt16 = 2
    static let expMask: UInt16 = 3
    static let expTimeout: UInt16 = 4
    static let expID: UInt16 = 5
    static let expHelpName: UInt16 = 6
    static let expZone: UInt16 = 7
    static let expFlags: UInt16 = 8
    static let expClass: UInt16 = 9
    static let expNAT: UInt16 = 10
    static let expFN: UInt16 = 11
    // enum ctattr_expect_nat
    static let expNATDir: UInt16 = 1
    static let expNATTuple: UInt16 = 2

    // enum ctattr_stats_cpu / ctattr_stats_global / ctattr_expect_stats
    static let statsGlobalEntries: UInt16 = 1
    static let statsGlobalMaxEntries: UInt16 = 2
    static let statsExpNew: UInt16 = 1
    static let statsExpCreate: UInt16 = 2
    static let statsExpDelete: UInt16 = 3

    // enum nfnetlink_groups
    static let groupNew: UInt32 = 1             // NFNLGRP_CONNTRACK_NEW
    static let groupUpdate: UInt32 = 2          // NFNLGRP_CONNTRACK_UPDATE
    static let groupDestroy: UInt32 = 3         // NFNLGRP_CONNTRACK_DESTROY
    static let groupExpNew: UInt32 = 4          // NFNLGRP_CONNTRACK_EXP_NEW
    static let groupExpUpdate: UInt32 = 5       // NFNLGRP_CONNTRACK_EXP_UPDATE
    static let groupExpDestroy: UInt32 = 6      // NFNLGRP_CONNTRACK_EXP_DESTROY

    /// Size of `struct nfgenmsg` {u8 family, u8 version, be16 res_id}.
    static let nfgenmsgSize = 4
}
