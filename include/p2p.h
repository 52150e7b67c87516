/*
 * Peer-to-Peer Graphing API (p2pgraph.dll)
 *
 * Copyright 2026 the p2pgraph-wine authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Lesser General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 *
 * This library is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU
 * Lesser General Public License for more details.
 *
 * You should have received a copy of the GNU Lesser General Public
 * License along with this library; if not, write to the Free Software
 * Foundation, Inc., 51 Franklin St, Fifth Floor, Boston, MA 02110-1301, USA
 */

#ifndef __WINE_P2P_H
#define __WINE_P2P_H

/* PEER_ADDRESS embeds a SOCKADDR_IN6, which needs winsock2.h; winsock2.h
 * cannot follow winsock.h (pulled in by windows.h unless WIN32_LEAN_AND_MEAN)
 * with Wine's or Microsoft's headers, only mingw-w64 tolerates it (with a warning) */
#if defined(_WINSOCKAPI_) && !defined(_WINSOCK2API_) && !defined(__MINGW64_VERSION_MAJOR)
#error "p2p.h needs winsock2.h: include <winsock2.h> before <windows.h>, or define WIN32_LEAN_AND_MEAN"
#endif
#include <winsock2.h>
#include <ws2tcpip.h>

#ifdef __cplusplus
extern "C" {
#endif

/* both Wine's winnt.h and mingw-w64's _mingw.h provide this; keep a fallback */
#ifndef __C89_NAMELESS
#define __C89_NAMELESS
#endif

#define PEER_GRAPH_VERSION  MAKEWORD(1,0)

/* only present in the Windows XP SDK header */
#define MAX_ATTRIBUTE_STREAM_LENGTH  100000

typedef PVOID HGRAPH, *PHGRAPH;
typedef void *HPEEREVENT;
typedef HPEEREVENT *PHPEEREVENT;
typedef void *HPEERENUM;
typedef HPEERENUM *PHPEERENUM;

/*
 * Enumerations
 */

typedef enum peer_record_change_type_tag
{
    PEER_RECORD_ADDED   = 1,
    PEER_RECORD_UPDATED = 2,
    PEER_RECORD_DELETED = 3,
    PEER_RECORD_EXPIRED = 4
} PEER_RECORD_CHANGE_TYPE;

typedef enum peer_connection_status_tag
{
    PEER_CONNECTED         = 1,
    PEER_DISCONNECTED      = 2,
    PEER_CONNECTION_FAILED = 3
} PEER_CONNECTION_STATUS;

typedef enum peer_connection_flags_tag
{
    PEER_CONNECTION_NEIGHBOR = 0x0001,
    PEER_CONNECTION_DIRECT   = 0x0002
} PEER_CONNECTION_FLAGS;

typedef enum peer_record_flags_tag
{
    PEER_RECORD_FLAG_AUTOREFRESH = 0x0001,
    PEER_RECORD_FLAG_DELETED     = 0x0002
} PEER_RECORD_FLAGS;

typedef enum peer_graph_event_type_tag
{
    PEER_GRAPH_EVENT_STATUS_CHANGED      = 1,
    PEER_GRAPH_EVENT_PROPERTY_CHANGED    = 2,
    PEER_GRAPH_EVENT_RECORD_CHANGED      = 3,
    PEER_GRAPH_EVENT_DIRECT_CONNECTION   = 4,
    PEER_GRAPH_EVENT_NEIGHBOR_CONNECTION = 5,
    PEER_GRAPH_EVENT_INCOMING_DATA       = 6,
    PEER_GRAPH_EVENT_CONNECTION_REQUIRED = 7,
    PEER_GRAPH_EVENT_NODE_CHANGED        = 8,
    PEER_GRAPH_EVENT_SYNCHRONIZED        = 9
} PEER_GRAPH_EVENT_TYPE;

typedef enum peer_node_change_type_tag
{
    PEER_NODE_CHANGE_CONNECTED    = 1,
    PEER_NODE_CHANGE_DISCONNECTED = 2,
    PEER_NODE_CHANGE_UPDATED      = 3
} PEER_NODE_CHANGE_TYPE;

typedef enum peer_graph_status_flags_tag
{
    PEER_GRAPH_STATUS_LISTENING       = 0x0001,
    PEER_GRAPH_STATUS_HAS_CONNECTIONS = 0x0002,
    PEER_GRAPH_STATUS_SYNCHRONIZED    = 0x0004
} PEER_GRAPH_STATUS_FLAGS;

typedef enum peer_graph_property_flags_tag
{
    PEER_GRAPH_PROPERTY_HEARTBEATS       = 0x0001,
    PEER_GRAPH_PROPERTY_DEFER_EXPIRATION = 0x0002
} PEER_GRAPH_PROPERTY_FLAGS;

typedef enum peer_graph_scope_tag
{
    PEER_GRAPH_SCOPE_ANY       = 0,
    PEER_GRAPH_SCOPE_GLOBAL    = 1,
    PEER_GRAPH_SCOPE_SITELOCAL = 2,
    PEER_GRAPH_SCOPE_LINKLOCAL = 3,
    PEER_GRAPH_SCOPE_LOOPBACK  = 4
} PEER_GRAPH_SCOPE;

/*
 * Structures
 */

typedef struct peer_version_data_tag
{
    WORD wVersion;
    WORD wHighestVersion;
} PEER_VERSION_DATA, *PPEER_VERSION_DATA;

typedef struct peer_data_tag
{
    ULONG cbData;
    PBYTE pbData;
} PEER_DATA, *PPEER_DATA;
typedef const PEER_DATA *PCPEER_DATA;

typedef struct peer_record_tag
{
    DWORD dwSize;
    GUID type;
    GUID id;
    DWORD dwVersion;
    DWORD dwFlags;              /* PEER_RECORD_FLAGS */
    PWSTR pwzCreatorId;
    PWSTR pwzModifiedById;
    PWSTR pwzAttributes;
    FILETIME ftCreation;
    FILETIME ftExpiration;
    FILETIME ftLastModified;
    PEER_DATA securityData;
    PEER_DATA data;
} PEER_RECORD, *PPEER_RECORD;

typedef struct peer_address_tag
{
    DWORD dwSize;
    SOCKADDR_IN6 sin6;
} PEER_ADDRESS, *PPEER_ADDRESS;
typedef const PEER_ADDRESS *PCPEER_ADDRESS;

typedef struct peer_connection_info_tag
{
    DWORD dwSize;
    DWORD dwFlags;              /* PEER_CONNECTION_FLAGS */
    ULONGLONG ullConnectionId;
    ULONGLONG ullNodeId;
    PWSTR pwzPeerId;
    PEER_ADDRESS address;
} PEER_CONNECTION_INFO;

typedef struct peer_event_incoming_data_tag
{
    DWORD dwSize;
    ULONGLONG ullConnectionId;
    GUID type;
    PEER_DATA data;
} PEER_EVENT_INCOMING_DATA, *PPEER_EVENT_INCOMING_DATA;

typedef struct peer_event_record_change_data_tag
{
    DWORD dwSize;
    PEER_RECORD_CHANGE_TYPE changeType;
    GUID recordId;
    GUID recordType;
} PEER_EVENT_RECORD_CHANGE_DATA, *PPEER_EVENT_RECORD_CHANGE_DATA;

typedef struct peer_event_connection_change_data_tag
{
    DWORD dwSize;
    PEER_CONNECTION_STATUS status;
    ULONGLONG ullConnectionId;
    ULONGLONG ullNodeId;
    /* the following two fields are Vista+ (absent from the XP layout) */
    ULONGLONG ullNextConnectionId;
    HRESULT hrConnectionFailedReason;
} PEER_EVENT_CONNECTION_CHANGE_DATA, *PPEER_EVENT_CONNECTION_CHANGE_DATA;

typedef struct peer_event_synchronized_data_tag
{
    DWORD dwSize;
    GUID recordType;
} PEER_EVENT_SYNCHRONIZED_DATA, *PPEER_EVENT_SYNCHRONIZED_DATA;

typedef struct peer_graph_properties_tag
{
    DWORD dwSize;
    DWORD dwFlags;              /* PEER_GRAPH_PROPERTY_FLAGS */
    DWORD dwScope;              /* PEER_GRAPH_SCOPE */
    DWORD dwMaxRecordSize;
    PWSTR pwzGraphId;
    PWSTR pwzCreatorId;
    PWSTR pwzFriendlyName;
    PWSTR pwzComment;
    ULONG ulPresenceLifetime;
    ULONG cPresenceMax;
} PEER_GRAPH_PROPERTIES, *PPEER_GRAPH_PROPERTIES;

typedef struct peer_node_info_tag
{
    DWORD dwSize;
    ULONGLONG ullNodeId;
    PWSTR pwzPeerId;
    ULONG cAddresses;
    PPEER_ADDRESS pAddresses;
    PWSTR pwzAttributes;
} PEER_NODE_INFO, *PPEER_NODE_INFO;

typedef struct peer_event_node_change_data_tag
{
    DWORD dwSize;
    PEER_NODE_CHANGE_TYPE changeType;
    ULONGLONG ullNodeId;
    PWSTR pwzPeerId;
} PEER_EVENT_NODE_CHANGE_DATA, *PPEER_EVENT_NODE_CHANGE_DATA;

typedef struct peer_graph_event_registration_tag
{
    PEER_GRAPH_EVENT_TYPE eventType;
    GUID *pType;
} PEER_GRAPH_EVENT_REGISTRATION, *PPEER_GRAPH_EVENT_REGISTRATION;

typedef struct peer_graph_event_data_tag
{
    PEER_GRAPH_EVENT_TYPE eventType;
    __C89_NAMELESS union
    {
        PEER_GRAPH_STATUS_FLAGS dwStatus;
        PEER_EVENT_INCOMING_DATA incomingData;
        PEER_EVENT_RECORD_CHANGE_DATA recordChangeData;
        PEER_EVENT_CONNECTION_CHANGE_DATA connectionChangeData;
        PEER_EVENT_NODE_CHANGE_DATA nodeChangeData;
        PEER_EVENT_SYNCHRONIZED_DATA synchronizedData;
    } DUMMYUNIONNAME;
} PEER_GRAPH_EVENT_DATA, *PPEER_GRAPH_EVENT_DATA;

/*
 * Security provider callbacks
 */

typedef HRESULT (CALLBACK *PFNPEER_VALIDATE_RECORD)(HGRAPH hGraph, PVOID pvContext, PPEER_RECORD pRecord,
        PEER_RECORD_CHANGE_TYPE changeType);
typedef HRESULT (CALLBACK *PFNPEER_SECURE_RECORD)(HGRAPH hGraph, PVOID pvContext, PPEER_RECORD pRecord,
        PEER_RECORD_CHANGE_TYPE changeType, PPEER_DATA *ppSecurityData);
typedef HRESULT (CALLBACK *PFNPEER_FREE_SECURITY_DATA)(HGRAPH hGraph, PVOID pvContext, PPEER_DATA pSecurityData);
typedef HRESULT (CALLBACK *PFNPEER_ON_PASSWORD_AUTH_FAILED)(HGRAPH hGraph, PVOID pvContext);

typedef struct peer_security_interface_tag
{
    DWORD dwSize;
    PWSTR pwzSspFilename;
    PWSTR pwzPackageName;
    ULONG cbSecurityInfo;
    PBYTE pbSecurityInfo;
    PVOID pvContext;
    PFNPEER_VALIDATE_RECORD pfnValidateRecord;
    PFNPEER_SECURE_RECORD pfnSecureRecord;
    PFNPEER_FREE_SECURITY_DATA pfnFreeSecurityData;
    PFNPEER_ON_PASSWORD_AUTH_FAILED pfnAuthFailed;  /* Vista+ (absent from the XP layout) */
} PEER_SECURITY_INTERFACE, *PPEER_SECURITY_INTERFACE;

/*
 * Functions
 */

HRESULT WINAPI PeerGraphStartup(WORD wVersionRequested, PPEER_VERSION_DATA pVersionData);
HRESULT WINAPI PeerGraphShutdown(void);
VOID    WINAPI PeerGraphFreeData(PVOID pvData);
HRESULT WINAPI PeerGraphGetItemCount(HPEERENUM hPeerEnum, ULONG *pCount);
HRESULT WINAPI PeerGraphGetNextItem(HPEERENUM hPeerEnum, ULONG *pCount, PVOID **pppvItems);
HRESULT WINAPI PeerGraphEndEnumeration(HPEERENUM hPeerEnum);

HRESULT WINAPI PeerGraphCreate(PPEER_GRAPH_PROPERTIES pGraphProperties, PCWSTR pwzDatabaseName,
        PPEER_SECURITY_INTERFACE pSecurityInterface, HGRAPH *phGraph);
HRESULT WINAPI PeerGraphOpen(PCWSTR pwzGraphId, PCWSTR pwzPeerId, PCWSTR pwzDatabaseName,
        PPEER_SECURITY_INTERFACE pSecurityInterface, ULONG cRecordTypeSyncPrecedence,
        const GUID *pRecordTypeSyncPrecedence, HGRAPH *phGraph);
HRESULT WINAPI PeerGraphListen(HGRAPH hGraph, DWORD dwScope, DWORD dwScopeId, WORD wPort);
HRESULT WINAPI PeerGraphConnect(HGRAPH hGraph, PCWSTR pwzPeerId, PPEER_ADDRESS pAddress,
        ULONGLONG *pullConnectionId);
HRESULT WINAPI PeerGraphClose(HGRAPH hGraph);
HRESULT WINAPI PeerGraphDelete(PCWSTR pwzGraphId, PCWSTR pwzPeerId, PCWSTR pwzDatabaseName);
HRESULT WINAPI PeerGraphGetStatus(HGRAPH hGraph, DWORD *pdwStatus);
HRESULT WINAPI PeerGraphGetProperties(HGRAPH hGraph, PPEER_GRAPH_PROPERTIES *ppGraphProperties);
HRESULT WINAPI PeerGraphSetProperties(HGRAPH hGraph, PPEER_GRAPH_PROPERTIES pGraphProperties);

HRESULT WINAPI PeerGraphRegisterEvent(HGRAPH hGraph, HANDLE hEvent, ULONG cEventRegistrations,
        PEER_GRAPH_EVENT_REGISTRATION *pEventRegistrations, HPEEREVENT *phPeerEvent);
HRESULT WINAPI PeerGraphUnregisterEvent(HPEEREVENT hPeerEvent);
HRESULT WINAPI PeerGraphGetEventData(HPEEREVENT hPeerEvent, PPEER_GRAPH_EVENT_DATA *ppEventData);

HRESULT WINAPI PeerGraphGetRecord(HGRAPH hGraph, const GUID *pRecordId, PPEER_RECORD *ppRecord);
HRESULT WINAPI PeerGraphAddRecord(HGRAPH hGraph, PPEER_RECORD pRecord, GUID *pRecordId);
HRESULT WINAPI PeerGraphUpdateRecord(HGRAPH hGraph, PPEER_RECORD pRecord);
HRESULT WINAPI PeerGraphDeleteRecord(HGRAPH hGraph, const GUID *pRecordId, BOOL fLocal);
HRESULT WINAPI PeerGraphEnumRecords(HGRAPH hGraph, const GUID *pRecordType, PCWSTR pwzPeerId,
        HPEERENUM *phPeerEnum);
HRESULT WINAPI PeerGraphSearchRecords(HGRAPH hGraph, PCWSTR pwzCriteria, HPEERENUM *phPeerEnum);
HRESULT WINAPI PeerGraphExportDatabase(HGRAPH hGraph, PCWSTR pwzFilePath);
HRESULT WINAPI PeerGraphImportDatabase(HGRAPH hGraph, PCWSTR pwzFilePath);
HRESULT WINAPI PeerGraphValidateDeferredRecords(HGRAPH hGraph, ULONG cRecordIds, const GUID *pRecordIds);

HRESULT WINAPI PeerGraphOpenDirectConnection(HGRAPH hGraph, PCWSTR pwzPeerId, PPEER_ADDRESS pAddress,
        ULONGLONG *pullConnectionId);
HRESULT WINAPI PeerGraphSendData(HGRAPH hGraph, ULONGLONG ullConnectionId, const GUID *pType,
        ULONG cbData, PVOID pvData);
HRESULT WINAPI PeerGraphCloseDirectConnection(HGRAPH hGraph, ULONGLONG ullConnectionId);
HRESULT WINAPI PeerGraphEnumConnections(HGRAPH hGraph, DWORD dwFlags, HPEERENUM *phPeerEnum);
HRESULT WINAPI PeerGraphEnumNodes(HGRAPH hGraph, PCWSTR pwzPeerId, HPEERENUM *phPeerEnum);
HRESULT WINAPI PeerGraphSetPresence(HGRAPH hGraph, BOOL fPresent);
HRESULT WINAPI PeerGraphGetNodeInfo(HGRAPH hGraph, ULONGLONG ullNodeId, PPEER_NODE_INFO *ppNodeInfo);
HRESULT WINAPI PeerGraphSetNodeAttributes(HGRAPH hGraph, PCWSTR pwzAttributes);
HRESULT WINAPI PeerGraphPeerTimeToUniversalTime(HGRAPH hGraph, FILETIME *pftPeerTime,
        FILETIME *pftUniversalTime);
HRESULT WINAPI PeerGraphUniversalTimeToPeerTime(HGRAPH hGraph, FILETIME *pftUniversalTime,
        FILETIME *pftPeerTime);

/*
 * Return codes
 */

#ifndef FACILITY_P2P
#define FACILITY_P2P  99
#endif

/* success codes */
#ifndef PEER_S_GRAPH_DATA_CREATED
#define PEER_S_GRAPH_DATA_CREATED               ((HRESULT)0x00630001L)
#endif
#ifndef PEER_S_NO_EVENT_DATA
#define PEER_S_NO_EVENT_DATA                    ((HRESULT)0x00630002L)
#endif
#ifndef PEER_S_NO_CONNECTIVITY
#define PEER_S_NO_CONNECTIVITY                  ((HRESULT)0x00630005L)
#endif
#ifndef PEER_S_ALREADY_A_MEMBER
#define PEER_S_ALREADY_A_MEMBER                 ((HRESULT)0x00630006L)
#endif
#ifndef PEER_S_ALREADY_CONNECTED
#define PEER_S_ALREADY_CONNECTED                ((HRESULT)0x00632000L)
#endif
#ifndef PEER_S_SUBSCRIPTION_EXISTS
#define PEER_S_SUBSCRIPTION_EXISTS              ((HRESULT)0x00636000L)
#endif

/* FACILITY_P2P error codes */
#ifndef PEER_E_IPV6_NOT_INSTALLED
#define PEER_E_IPV6_NOT_INSTALLED               ((HRESULT)0x80630001L)
#endif
#ifndef PEER_E_NOT_INITIALIZED
#define PEER_E_NOT_INITIALIZED                  ((HRESULT)0x80630002L)
#endif
#ifndef PEER_E_CANNOT_START_SERVICE
#define PEER_E_CANNOT_START_SERVICE             ((HRESULT)0x80630003L)
#endif
#ifndef PEER_E_NOT_LICENSED
#define PEER_E_NOT_LICENSED                     ((HRESULT)0x80630004L)
#endif
#ifndef PEER_E_INVALID_GRAPH
#define PEER_E_INVALID_GRAPH                    ((HRESULT)0x80630010L)
#endif
#ifndef PEER_E_DBNAME_CHANGED
#define PEER_E_DBNAME_CHANGED                   ((HRESULT)0x80630011L)
#endif
#ifndef PEER_E_DUPLICATE_GRAPH
#define PEER_E_DUPLICATE_GRAPH                  ((HRESULT)0x80630012L)
#endif
#ifndef PEER_E_GRAPH_NOT_READY
#define PEER_E_GRAPH_NOT_READY                  ((HRESULT)0x80630013L)
#endif
#ifndef PEER_E_GRAPH_SHUTTING_DOWN
#define PEER_E_GRAPH_SHUTTING_DOWN              ((HRESULT)0x80630014L)
#endif
#ifndef PEER_E_GRAPH_IN_USE
#define PEER_E_GRAPH_IN_USE                     ((HRESULT)0x80630015L)
#endif
#ifndef PEER_E_INVALID_DATABASE
#define PEER_E_INVALID_DATABASE                 ((HRESULT)0x80630016L)
#endif
#ifndef PEER_E_TOO_MANY_ATTRIBUTES
#define PEER_E_TOO_MANY_ATTRIBUTES              ((HRESULT)0x80630017L)
#endif
#ifndef PEER_E_CONNECTION_NOT_FOUND
#define PEER_E_CONNECTION_NOT_FOUND             ((HRESULT)0x80630103L)
#endif
#ifndef PEER_E_CONNECT_SELF
#define PEER_E_CONNECT_SELF                     ((HRESULT)0x80630106L)
#endif
#ifndef PEER_E_ALREADY_LISTENING
#define PEER_E_ALREADY_LISTENING                ((HRESULT)0x80630107L)
#endif
#ifndef PEER_E_NODE_NOT_FOUND
#define PEER_E_NODE_NOT_FOUND                   ((HRESULT)0x80630108L)
#endif
#ifndef PEER_E_CONNECTION_FAILED
#define PEER_E_CONNECTION_FAILED                ((HRESULT)0x80630109L)
#endif
#ifndef PEER_E_CONNECTION_NOT_AUTHENTICATED
#define PEER_E_CONNECTION_NOT_AUTHENTICATED     ((HRESULT)0x8063010AL)
#endif
#ifndef PEER_E_CONNECTION_REFUSED
#define PEER_E_CONNECTION_REFUSED               ((HRESULT)0x8063010BL)
#endif
#ifndef PEER_E_CLASSIFIER_TOO_LONG
#define PEER_E_CLASSIFIER_TOO_LONG              ((HRESULT)0x80630201L)
#endif
#ifndef PEER_E_TOO_MANY_IDENTITIES
#define PEER_E_TOO_MANY_IDENTITIES              ((HRESULT)0x80630202L)
#endif
#ifndef PEER_E_NO_KEY_ACCESS
#define PEER_E_NO_KEY_ACCESS                    ((HRESULT)0x80630203L)
#endif
#ifndef PEER_E_GROUPS_EXIST
#define PEER_E_GROUPS_EXIST                     ((HRESULT)0x80630204L)
#endif
#ifndef PEER_E_RECORD_NOT_FOUND
#define PEER_E_RECORD_NOT_FOUND                 ((HRESULT)0x80630301L)
#endif
#ifndef PEER_E_DATABASE_ACCESSDENIED
#define PEER_E_DATABASE_ACCESSDENIED            ((HRESULT)0x80630302L)
#endif
#ifndef PEER_E_DBINITIALIZATION_FAILED
#define PEER_E_DBINITIALIZATION_FAILED          ((HRESULT)0x80630303L)
#endif
#ifndef PEER_E_MAX_RECORD_SIZE_EXCEEDED
#define PEER_E_MAX_RECORD_SIZE_EXCEEDED         ((HRESULT)0x80630304L)
#endif
#ifndef PEER_E_DATABASE_ALREADY_PRESENT
#define PEER_E_DATABASE_ALREADY_PRESENT         ((HRESULT)0x80630305L)
#endif
#ifndef PEER_E_DATABASE_NOT_PRESENT
#define PEER_E_DATABASE_NOT_PRESENT             ((HRESULT)0x80630306L)
#endif
#ifndef PEER_E_IDENTITY_NOT_FOUND
#define PEER_E_IDENTITY_NOT_FOUND               ((HRESULT)0x80630401L)
#endif
#ifndef PEER_E_EVENT_HANDLE_NOT_FOUND
#define PEER_E_EVENT_HANDLE_NOT_FOUND           ((HRESULT)0x80630501L)
#endif
#ifndef PEER_E_INVALID_SEARCH
#define PEER_E_INVALID_SEARCH                   ((HRESULT)0x80630601L)
#endif
#ifndef PEER_E_INVALID_ATTRIBUTES
#define PEER_E_INVALID_ATTRIBUTES               ((HRESULT)0x80630602L)
#endif
#ifndef PEER_E_INVITATION_NOT_TRUSTED
#define PEER_E_INVITATION_NOT_TRUSTED           ((HRESULT)0x80630701L)
#endif
#ifndef PEER_E_CHAIN_TOO_LONG
#define PEER_E_CHAIN_TOO_LONG                   ((HRESULT)0x80630703L)
#endif
#ifndef PEER_E_INVALID_TIME_PERIOD
#define PEER_E_INVALID_TIME_PERIOD              ((HRESULT)0x80630705L)
#endif
#ifndef PEER_E_CIRCULAR_CHAIN_DETECTED
#define PEER_E_CIRCULAR_CHAIN_DETECTED          ((HRESULT)0x80630706L)
#endif
#ifndef PEER_E_CERT_STORE_CORRUPTED
#define PEER_E_CERT_STORE_CORRUPTED             ((HRESULT)0x80630801L)
#endif
#ifndef PEER_E_NO_CLOUD
#define PEER_E_NO_CLOUD                         ((HRESULT)0x80631001L)
#endif
#ifndef PEER_E_CLOUD_NAME_AMBIGUOUS
#define PEER_E_CLOUD_NAME_AMBIGUOUS             ((HRESULT)0x80631005L)
#endif
#ifndef PEER_E_INVALID_RECORD
#define PEER_E_INVALID_RECORD                   ((HRESULT)0x80632010L)
#endif
#ifndef PEER_E_NOT_AUTHORIZED
#define PEER_E_NOT_AUTHORIZED                   ((HRESULT)0x80632020L)
#endif
#ifndef PEER_E_PASSWORD_DOES_NOT_MEET_POLICY
#define PEER_E_PASSWORD_DOES_NOT_MEET_POLICY    ((HRESULT)0x80632021L)
#endif
#ifndef PEER_E_DEFERRED_VALIDATION
#define PEER_E_DEFERRED_VALIDATION              ((HRESULT)0x80632030L)
#endif
#ifndef PEER_E_INVALID_GROUP_PROPERTIES
#define PEER_E_INVALID_GROUP_PROPERTIES         ((HRESULT)0x80632040L)
#endif
#ifndef PEER_E_INVALID_PEER_NAME
#define PEER_E_INVALID_PEER_NAME                ((HRESULT)0x80632050L)
#endif
#ifndef PEER_E_INVALID_CLASSIFIER
#define PEER_E_INVALID_CLASSIFIER               ((HRESULT)0x80632060L)
#endif
#ifndef PEER_E_INVALID_FRIENDLY_NAME
#define PEER_E_INVALID_FRIENDLY_NAME            ((HRESULT)0x80632070L)
#endif
#ifndef PEER_E_INVALID_ROLE_PROPERTY
#define PEER_E_INVALID_ROLE_PROPERTY            ((HRESULT)0x80632071L)
#endif
#ifndef PEER_E_INVALID_CLASSIFIER_PROPERTY
#define PEER_E_INVALID_CLASSIFIER_PROPERTY      ((HRESULT)0x80632072L)
#endif
#ifndef PEER_E_INVALID_RECORD_EXPIRATION
#define PEER_E_INVALID_RECORD_EXPIRATION        ((HRESULT)0x80632080L)
#endif
#ifndef PEER_E_INVALID_CREDENTIAL_INFO
#define PEER_E_INVALID_CREDENTIAL_INFO          ((HRESULT)0x80632081L)
#endif
#ifndef PEER_E_INVALID_CREDENTIAL
#define PEER_E_INVALID_CREDENTIAL               ((HRESULT)0x80632082L)
#endif
#ifndef PEER_E_INVALID_RECORD_SIZE
#define PEER_E_INVALID_RECORD_SIZE              ((HRESULT)0x80632083L)
#endif
#ifndef PEER_E_UNSUPPORTED_VERSION
#define PEER_E_UNSUPPORTED_VERSION              ((HRESULT)0x80632090L)
#endif
#ifndef PEER_E_GROUP_NOT_READY
#define PEER_E_GROUP_NOT_READY                  ((HRESULT)0x80632091L)
#endif
#ifndef PEER_E_GROUP_IN_USE
#define PEER_E_GROUP_IN_USE                     ((HRESULT)0x80632092L)
#endif
#ifndef PEER_E_INVALID_GROUP
#define PEER_E_INVALID_GROUP                    ((HRESULT)0x80632093L)
#endif
#ifndef PEER_E_NO_MEMBERS_FOUND
#define PEER_E_NO_MEMBERS_FOUND                 ((HRESULT)0x80632094L)
#endif
#ifndef PEER_E_NO_MEMBER_CONNECTIONS
#define PEER_E_NO_MEMBER_CONNECTIONS            ((HRESULT)0x80632095L)
#endif
#ifndef PEER_E_UNABLE_TO_LISTEN
#define PEER_E_UNABLE_TO_LISTEN                 ((HRESULT)0x80632096L)
#endif
#ifndef PEER_E_IDENTITY_DELETED
#define PEER_E_IDENTITY_DELETED                 ((HRESULT)0x806320A0L)
#endif
#ifndef PEER_E_SERVICE_NOT_AVAILABLE
#define PEER_E_SERVICE_NOT_AVAILABLE            ((HRESULT)0x806320A1L)
#endif
#ifndef PEER_E_CANNOT_CONVERT_PEER_NAME
#define PEER_E_CANNOT_CONVERT_PEER_NAME         ((HRESULT)0x80634001L)
#endif
#ifndef PEER_E_INVALID_PEER_HOST_NAME
#define PEER_E_INVALID_PEER_HOST_NAME           ((HRESULT)0x80634002L)
#endif
#ifndef PEER_E_NO_MORE
#define PEER_E_NO_MORE                          ((HRESULT)0x80634003L)
#endif
#ifndef PEER_E_PNRP_DUPLICATE_PEER_NAME
#define PEER_E_PNRP_DUPLICATE_PEER_NAME         ((HRESULT)0x80634005L)
#endif
#ifndef PEER_E_CONTACT_NOT_FOUND
#define PEER_E_CONTACT_NOT_FOUND                ((HRESULT)0x80636001L)
#endif
#ifndef PEER_E_INVITE_CANCELLED
#define PEER_E_INVITE_CANCELLED                 ((HRESULT)0x80637000L)
#endif
#ifndef PEER_E_INVITE_RESPONSE_NOT_AVAILABLE
#define PEER_E_INVITE_RESPONSE_NOT_AVAILABLE    ((HRESULT)0x80637001L)
#endif
#ifndef PEER_E_NOT_SIGNED_IN
#define PEER_E_NOT_SIGNED_IN                    ((HRESULT)0x80637003L)
#endif
#ifndef PEER_E_PRIVACY_DECLINED
#define PEER_E_PRIVACY_DECLINED                 ((HRESULT)0x80637004L)
#endif
#ifndef PEER_E_TIMEOUT
#define PEER_E_TIMEOUT                          ((HRESULT)0x80637005L)
#endif
#ifndef PEER_E_INVALID_ADDRESS
#define PEER_E_INVALID_ADDRESS                  ((HRESULT)0x80637007L)
#endif
#ifndef PEER_E_FW_EXCEPTION_DISABLED
#define PEER_E_FW_EXCEPTION_DISABLED            ((HRESULT)0x80637008L)
#endif
#ifndef PEER_E_FW_BLOCKED_BY_POLICY
#define PEER_E_FW_BLOCKED_BY_POLICY             ((HRESULT)0x80637009L)
#endif
#ifndef PEER_E_FW_BLOCKED_BY_SHIELDS_UP
#define PEER_E_FW_BLOCKED_BY_SHIELDS_UP         ((HRESULT)0x8063700AL)
#endif
#ifndef PEER_E_FW_DECLINED
#define PEER_E_FW_DECLINED                      ((HRESULT)0x8063700BL)
#endif

/* FACILITY_P2P error codes only present in the Windows XP SDK header */
#ifndef PEER_E_LINK_PERSISTENT
#define PEER_E_LINK_PERSISTENT                  ((HRESULT)0x80630100L)
#endif
#ifndef PEER_E_ALREADY_CONNECTED
#define PEER_E_ALREADY_CONNECTED                ((HRESULT)0x80630101L)
#endif
#ifndef PEER_E_TOO_MANY_LINKS
#define PEER_E_TOO_MANY_LINKS                   ((HRESULT)0x80630102L)
#endif
#ifndef PEER_E_NOT_LISTENING
#define PEER_E_NOT_LISTENING                    ((HRESULT)0x80630104L)
#endif
#ifndef PEER_E_PRESENCE_DISABLED
#define PEER_E_PRESENCE_DISABLED                ((HRESULT)0x80630105L)
#endif
#ifndef PEER_E_CERTIFICATE_NOT_TRUSTED
#define PEER_E_CERTIFICATE_NOT_TRUSTED          ((HRESULT)0x80630702L)
#endif
#ifndef PEER_E_UNDEFINED_RECORD_TYPE
#define PEER_E_UNDEFINED_RECORD_TYPE            ((HRESULT)0x80632011L)
#endif

/* FACILITY_WIN32 error codes */
#ifndef PEER_E_NOT_FOUND
#define PEER_E_NOT_FOUND                        ((HRESULT)0x80070490L)  /* ERROR_NOT_FOUND */
#endif
#ifndef PEER_E_DISK_FULL
#define PEER_E_DISK_FULL                        ((HRESULT)0x80070070L)  /* ERROR_DISK_FULL */
#endif
#ifndef PEER_E_ALREADY_EXISTS
#define PEER_E_ALREADY_EXISTS                   ((HRESULT)0x800700B7L)  /* ERROR_ALREADY_EXISTS */
#endif

/* PNRP cloud errors, FACILITY_WIN32 wrappers of the WSA_PNRP_* codes */
#ifndef WSA_PNRP_ERROR_BASE
#define WSA_PNRP_ERROR_BASE                     11500
#endif
#ifndef WSA_PNRP_CLOUD_NOT_FOUND
#define WSA_PNRP_CLOUD_NOT_FOUND                (WSA_PNRP_ERROR_BASE + 1)
#endif
#ifndef WSA_PNRP_CLOUD_DISABLED
#define WSA_PNRP_CLOUD_DISABLED                 (WSA_PNRP_ERROR_BASE + 2)
#endif
#ifndef WSA_PNRP_INVALID_IDENTITY
#define WSA_PNRP_INVALID_IDENTITY               (WSA_PNRP_ERROR_BASE + 3)
#endif
#ifndef WSA_PNRP_TOO_MUCH_LOAD
#define WSA_PNRP_TOO_MUCH_LOAD                  (WSA_PNRP_ERROR_BASE + 4)
#endif
#ifndef WSA_PNRP_CLOUD_IS_SEARCH_ONLY
#define WSA_PNRP_CLOUD_IS_SEARCH_ONLY           (WSA_PNRP_ERROR_BASE + 5)
#endif
#ifndef WSA_PNRP_CLIENT_INVALID_COMPARTMENT_ID
#define WSA_PNRP_CLIENT_INVALID_COMPARTMENT_ID  (WSA_PNRP_ERROR_BASE + 6)
#endif
#ifndef WSA_PNRP_DUPLICATE_PEER_NAME
#define WSA_PNRP_DUPLICATE_PEER_NAME            (WSA_PNRP_ERROR_BASE + 8)
#endif
#ifndef WSA_PNRP_CLOUD_IS_DEAD
#define WSA_PNRP_CLOUD_IS_DEAD                  (WSA_PNRP_ERROR_BASE + 9)
#endif

#ifndef PEER_E_CLOUD_NOT_FOUND
#define PEER_E_CLOUD_NOT_FOUND                  ((HRESULT)0x80072CEDL)
#endif
#ifndef PEER_E_CLOUD_DISABLED
#define PEER_E_CLOUD_DISABLED                   ((HRESULT)0x80072CEEL)
#endif
#ifndef PEER_E_INVALID_IDENTITY
#define PEER_E_INVALID_IDENTITY                 ((HRESULT)0x80072CEFL)
#endif
#ifndef PEER_E_TOO_MUCH_LOAD
#define PEER_E_TOO_MUCH_LOAD                    ((HRESULT)0x80072CF0L)
#endif
#ifndef PEER_E_CLOUD_IS_SEARCH_ONLY
#define PEER_E_CLOUD_IS_SEARCH_ONLY             ((HRESULT)0x80072CF1L)
#endif
#ifndef PEER_E_CLIENT_INVALID_COMPARTMENT_ID
#define PEER_E_CLIENT_INVALID_COMPARTMENT_ID    ((HRESULT)0x80072CF2L)
#endif
#ifndef PEER_E_DUPLICATE_PEER_NAME
#define PEER_E_DUPLICATE_PEER_NAME              ((HRESULT)0x80072CF4L)
#endif
#ifndef PEER_E_CLOUD_IS_DEAD
#define PEER_E_CLOUD_IS_DEAD                    ((HRESULT)0x80072CF5L)
#endif

#ifdef __cplusplus
}
#endif

#endif /* __WINE_P2P_H */
